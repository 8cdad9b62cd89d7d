// hearsay-sim: placeholder until the scenario runner lands.
#include <cstdio>
int main() {
  std::puts("hearsay-sim: not built yet");
  return 0;
}
