#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

namespace cipette::storage {

// Opens the store a DATABASE_URL names: a file path or "sqlite:PATH" (also "sqlite://PATH")
// opens SQLite; other schemes ("postgresql://", once supported) fail with a clear message.
Result<std::unique_ptr<RunStore>> open_store(std::string_view database_url);

}  // namespace cipette::storage
