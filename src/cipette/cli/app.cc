#include "cipette/cli/app.h"

namespace cipette::cli {

int run(int, char**) { return 0; }

}  // namespace cipette::cli
