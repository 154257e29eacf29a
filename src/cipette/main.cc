#include "cipette/cli/app.h"

int main(int argc, char** argv) { return cipette::cli::run(argc, argv); }
