// Aligned text tables for the client commands' default output.
#pragma once

#include <string>
#include <vector>

namespace hearsay::tools {

// Renders a header row and the rows below it, each column padded to its
// widest cell (counted in UTF-8 code points) and separated by two spaces.
// The last column is not padded, so lines carry no trailing spaces. Rows
// shorter than the header get empty cells; every line ends with '\n'.
std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace hearsay::tools
