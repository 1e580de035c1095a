// A package's files: each document as a PDF, and the act and TORG-12 also as FNS XML for EDO.
// The bytes are a function of the package alone (no clock, no random ids), so rendering again
// after a crash, in `kassa documents render`, or on another replica gives the same files and the
// same sha256 as the package message carries.
#pragma once

#include <string>
#include <vector>

#include "core/package.hpp"

namespace kassa::render {

struct RenderOptions {
  std::string font_dir = KASSA_DEFAULT_FONT_DIR;  // DejaVuSans.ttf, DejaVuSans-Bold.ttf
  std::string mail_from;  // the e-mails' sender; empty: packages are not e-mailed
};

struct PackageFile {
  core::DocumentType type = core::DocumentType::agent_report;
  std::string name;        // file name, unique within the package
  std::string media_type;  // application/pdf | application/xml
  std::string bytes;
  std::string sha256;  // lowercase hex
};

std::vector<PackageFile> render_package(const core::Package& package, const RenderOptions& options);

}  // namespace kassa::render
