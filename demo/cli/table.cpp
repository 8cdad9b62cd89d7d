#include "demo/cli/table.hpp"

#include <algorithm>
#include <cstddef>

namespace hearsay::tools {

namespace {

// Code points, not bytes: a member named "nœud-1" must not skew its column.
std::size_t display_width(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

void append_row(std::string& out, const std::vector<std::string>& cells,
                const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t col = 0; col < widths.size(); ++col) {
    const std::string empty;
    const std::string& cell = col < cells.size() ? cells[col] : empty;
    line += cell;
    if (col + 1 < widths.size()) line.append(widths[col] - display_width(cell) + 2, ' ');
  }
  // An empty last cell would leave the padding of the column before it.
  line.erase(line.find_last_not_of(' ') + 1);
  out += line;
  out += '\n';
}

}  // namespace

std::string render_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& h : header)
    widths.push_back(display_width(h));
  for (const auto& row : rows)
    for (std::size_t col = 0; col < row.size() && col < widths.size(); ++col)
      widths[col] = std::max(widths[col], display_width(row[col]));
  std::string out;
  append_row(out, header, widths);
  for (const auto& row : rows)
    append_row(out, row, widths);
  return out;
}

}  // namespace hearsay::tools
