// The documents folder: where the relay puts each package's files before it announces the
// package on kassa.documents.v1, laid out as <dir>/<merchant_id>/<package_id>/<file name>.
// Writes are atomic (a temporary file, fsync, rename), so a reader never sees half a file, and
// idempotent: a second write after a crash puts the same bytes in place.
#pragma once

#include <string>
#include <vector>

#include "store/document_store.hpp"

namespace kassa::app {

std::string package_folder(const std::string& dir, const std::string& merchant_id,
                           const std::string& package_id);

// Writes the files into the package's folder; throws std::runtime_error naming the path on
// failure (a full disk, no permission), so that the relay retries rather than announce a package
// whose files are missing.
void place_files(const std::string& folder, const std::vector<store::StoredFile>& files);

}  // namespace kassa::app
