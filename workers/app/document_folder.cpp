#include "app/document_folder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace kassa::app {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error("documents folder: cannot " + what + " " + path + ": " +
                           std::strerror(errno));
}

void write_atomically(const std::string& path, const std::string& bytes) {
  const std::string temporary = path + ".partial";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("create", temporary);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("write", temporary);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync", temporary);
  }
  if (::close(fd) != 0) fail("close", temporary);
  if (::rename(temporary.c_str(), path.c_str()) != 0) fail("rename into place", path);
}

}  // namespace

std::string package_folder(const std::string& dir, const std::string& merchant_id,
                           const std::string& package_id) {
  return (std::filesystem::path(dir) / merchant_id / package_id).string();
}

void place_files(const std::string& folder, const std::vector<store::StoredFile>& files) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error)
    throw std::runtime_error("documents folder: cannot create " + folder + ": " + error.message());
  for (const auto& file : files) {
    // Names come from kassa's own renderer, but a path separator would escape the folder.
    if (file.name.empty() || file.name.find('/') != std::string::npos || file.name[0] == '.')
      throw std::logic_error("documents folder: unsafe file name " + file.name);
    write_atomically((std::filesystem::path(folder) / file.name).string(), file.bytes);
  }
  // The directory entries themselves must survive a crash too.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace kassa::app
