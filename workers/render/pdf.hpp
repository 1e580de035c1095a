// PDF rendering of one document of a package (core::Package): the agent's report, the act, the
// TORG-12 waybill or the refund report, as A4 landscape pages drawn with libharu.
//
// Deterministic: the same package and document give the same bytes on every call and every run
// (libharu writes no dates and no /ID unless asked to; the font subset tag restarts per document).
// The only I/O is reading the two DejaVu Sans TrueType files, of which only the glyphs used are
// embedded.
#pragma once

#include <string>

#include "core/money.hpp"
#include "core/package.hpp"
#include "core/utc_time.hpp"

#ifndef KASSA_DEFAULT_FONT_DIR
#define KASSA_DEFAULT_FONT_DIR "/usr/share/fonts/truetype/dejavu"
#endif

namespace kassa::render {

struct PdfOptions {
  // Holds DejaVuSans.ttf and DejaVuSans-Bold.ttf (Debian's fonts-dejavu-core), Cyrillic included.
  std::string font_dir = KASSA_DEFAULT_FONT_DIR;
};

// The document's PDF bytes. Throws std::runtime_error when a font cannot be read (the message
// names the file) or libharu fails (the message names the step and libharu's error code).
std::string render_pdf(const core::Package& package, const core::Document& document,
                       const PdfOptions& options = {});

// How the PDF writes figures, as Russian documents do: "4 349,98" (a space between thousands, a
// decimal comma, always two decimals; from core::format_rubles, never floating point) and
// "14.02.2026".
std::string pdf_money(core::Kopecks amount);
std::string pdf_date(core::CivilDate date);

}  // namespace kassa::render
