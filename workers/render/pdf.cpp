// How a document becomes PDF bytes:
//
//   1. Layout (pure): the document is laid out on A4 landscape pages as text runs and rules, with
//      widths measured from the TrueType files themselves (advance widths from `hmtx`).
//   2. Font subsets: for each of the two faces, a small TrueType font holding only the glyphs of
//      the characters laid out (composite glyphs with their components), with a minimal `cmap`,
//      `post` and `name`.
//   3. libharu draws the runs with those subsets and writes the PDF to memory.
//
// Why subset here rather than let libharu do it: libharu 2.3.0 (Debian 12) embeds the whole `post`
// table (6 000 glyph names), the whole `hmtx`, and writes /W and /CIDToGIDMap for every character
// of the font's cmap, which makes a one-page document about 190 KB; it also follows composite
// glyphs only one level deep, so a character met first as a component ("е" inside "ё") loses its
// own components and prints blank (the post/hmtx size and the composites are fixed upstream in
// 2.4). With the subsets a one-page document is about 28 KB and every glyph is embedded. Loading a
// font from memory and marking its glyphs uses libharu's internal API (hpdf_fontdef.h,
// hpdf_streams.h, installed with libhpdf-dev); so does replacing the ToUnicode CMap, whose 2.3.0
// version poppler rejects ("Invalid 'begincidrange'").
#include "render/pdf.hpp"

#include <hpdf.h>
#include <hpdf_conf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_streams.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "core/amount_words.hpp"
#include "core/quantity.hpp"

namespace kassa::render {

std::string pdf_money(core::Kopecks amount) {
  const std::string plain = core::format_rubles(amount);  // "-4349.98"
  const bool negative = plain.front() == '-';
  const std::string_view digits(plain.data() + (negative ? 1 : 0),
                                plain.size() - (negative ? 1 : 0) - 3);
  std::string text = negative ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) text += ' ';
    text += digits[i];
  }
  return text + "," + plain.substr(plain.size() - 2);
}

std::string pdf_date(core::CivilDate date) {
  char text[16];
  std::snprintf(text, sizeof text, "%02d.%02d.%04d", date.day, date.month, date.year);
  return text;
}

namespace {

using core::Document;
using core::DocumentLine;
using core::DocumentType;
using core::Package;
using core::Party;

// ---------------------------------------------------------------------------------------------
// UTF-8.

// The code points of valid UTF-8 text (as printable() leaves it).
std::vector<char32_t> code_points(std::string_view text) {
  std::vector<char32_t> points;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t code = length == 1   ? lead
                    : length == 2 ? lead & 0x1F
                    : length == 3 ? lead & 0x0F
                                  : lead & 0x07;
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k)
      code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    points.push_back(code);
    i += length;
  }
  return points;
}

void append_utf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// libharu's UTF-8 encoder handles the Basic Multilingual Plane only: keep printable BMP characters,
// make line breaks and tabs spaces, and replace the rest (and broken UTF-8) with '?'.
std::vector<char32_t> printable(std::string_view text) {
  std::vector<char32_t> out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t code = 0;
    if (lead < 0x80) {
      length = 1;
      code = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code = lead & 0x07;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto trail = static_cast<unsigned char>(text[i + k]);
      valid = (trail & 0xC0) == 0x80;
      code = (code << 6) | (trail & 0x3F);
    }
    const char32_t minimum = length == 2 ? 0x80 : length == 3 ? 0x800 : length == 4 ? 0x10000 : 0;
    if (!valid || code < minimum || (code >= 0xD800 && code <= 0xDFFF)) {
      out.push_back('?');
      i += 1;
      continue;
    }
    if (code == '\t' || code == '\n' || code == '\r')
      out.push_back(' ');
    else if (code < 0x20 || (code >= 0x7F && code < 0xA0) || code > 0xFFFD)
      out.push_back('?');
    else
      out.push_back(code);
    i += length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// TrueType: just enough to measure text and cut a subset (tables as in the OpenType spec).

std::uint32_t read16(std::string_view data, std::size_t at) {
  if (at + 2 > data.size()) throw std::out_of_range("truncated");
  return static_cast<std::uint32_t>(static_cast<unsigned char>(data[at]) << 8 |
                                    static_cast<unsigned char>(data[at + 1]));
}
std::uint32_t read32(std::string_view data, std::size_t at) {
  return read16(data, at) << 16 | read16(data, at + 2);
}
void put16(std::string& out, std::uint32_t value) {
  out += static_cast<char>((value >> 8) & 0xFF);
  out += static_cast<char>(value & 0xFF);
}
void put32(std::string& out, std::uint32_t value) {
  put16(out, value >> 16);
  put16(out, value & 0xFFFF);
}
void set16(std::string& out, std::size_t at, std::uint32_t value) {
  if (at + 2 > out.size()) throw std::out_of_range("truncated");
  out[at] = static_cast<char>((value >> 8) & 0xFF);
  out[at + 1] = static_cast<char>(value & 0xFF);
}
void set32(std::string& out, std::size_t at, std::uint32_t value) {
  set16(out, at, value >> 16);
  set16(out, at + 2, value & 0xFFFF);
}

std::uint32_t checksum(std::string_view data) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < data.size(); i += 4) {
    std::uint32_t word = 0;
    for (std::size_t k = 0; k < 4; ++k)
      word = word << 8 | (i + k < data.size() ? static_cast<unsigned char>(data[i + k]) : 0u);
    sum += word;
  }
  return sum;
}

// Where the glyph indices of a composite glyph's components are, in its bytes; none for a simple
// glyph.
std::vector<std::size_t> component_indices(std::string_view glyph) {
  std::vector<std::size_t> at;
  if (glyph.size() < 10 || read16(glyph, 0) < 0x8000) return at;  // numberOfContours >= 0
  constexpr std::uint32_t kArgsAreWords = 0x1, kScale = 0x8, kMore = 0x20, kXYScale = 0x40,
                          kTwoByTwo = 0x80;
  std::size_t p = 10;
  for (;;) {
    const std::uint32_t flags = read16(glyph, p);
    read16(glyph, p + 2);  // throws when the index is past the glyph's end
    at.push_back(p + 2);
    p += 4 + ((flags & kArgsAreWords) ? 4 : 2);
    if (flags & kScale)
      p += 2;
    else if (flags & kXYScale)
      p += 4;
    else if (flags & kTwoByTwo)
      p += 8;
    if (!(flags & kMore)) break;
  }
  return at;
}

class TrueType {
 public:
  explicit TrueType(std::string path) : path_(std::move(path)) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path_, error))
      throw std::runtime_error("render_pdf: font file not found: " + path_);
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (!in) throw std::runtime_error("render_pdf: cannot read font file " + path_);
    data_ = bytes.str();
    try {
      parse();
    } catch (const std::out_of_range&) {
      fail("a table is truncated");
    }
  }

  TrueType(const TrueType&) = delete;  // tables_ points into data_
  TrueType& operator=(const TrueType&) = delete;

  const std::string& path() const { return path_; }
  bool has(char32_t code) const { return code < cmap_.size() && cmap_[code] != 0; }

  // Advance width in thousandths of the font size, truncated the way libharu writes /W.
  int width_units(char32_t code) const {
    const std::uint32_t glyph = code < cmap_.size() ? cmap_[code] : 0;
    return static_cast<int>(advance(glyph) * 1000 / units_per_em_);
  }

  // A TrueType font with the glyphs of `codes` only (plus .notdef and the components of composite
  // glyphs), renumbered in the original order; its cmap maps exactly `codes`.
  std::string subset(const std::set<char32_t>& codes) const {
    try {
      return cut(codes);
    } catch (const std::out_of_range&) {
      fail("a glyph is truncated");
    }
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error("render_pdf: " + path_ + " is not a usable TrueType font: " + why);
  }

  std::string_view table(const char* tag) const {
    const auto found = tables_.find(tag);
    if (found == tables_.end()) fail(std::string("no '") + tag + "' table");
    return found->second;
  }

  void parse() {
    const std::uint32_t count = read16(data_, 4);
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::size_t record = 12 + 16 * i;
      const std::uint32_t offset = read32(data_, record + 8), length = read32(data_, record + 12);
      if (offset > data_.size() || length > data_.size() - offset)
        fail("a table is out of the file");
      tables_[data_.substr(record, 4)] = std::string_view(data_).substr(offset, length);
    }
    const auto head = table("head");
    units_per_em_ = read16(head, 18);
    long_loca_ = read16(head, 50) != 0;
    num_glyphs_ = read16(table("maxp"), 4);
    num_h_metrics_ = read16(table("hhea"), 34);
    if (units_per_em_ == 0 || num_h_metrics_ == 0 || num_h_metrics_ > num_glyphs_)
      fail("bad head/hhea/maxp");
    table("glyf");
    if (table("post").size() < 32) fail("short post");
    if (table("hmtx").size() < 4u * num_h_metrics_ + 2u * (num_glyphs_ - num_h_metrics_))
      fail("short hmtx");
    if (table("loca").size() < (long_loca_ ? 4u : 2u) * (num_glyphs_ + 1u)) fail("short loca");

    // The Windows Unicode BMP subtable (platform 3, encoding 1, format 4).
    const auto cmap = table("cmap");
    std::size_t subtable = 0;
    for (std::uint32_t i = 0, n = read16(cmap, 2); i < n && subtable == 0; ++i) {
      const std::size_t record = 4 + 8 * i;
      const std::size_t offset = read32(cmap, record + 4);
      if (read16(cmap, record) == 3 && read16(cmap, record + 2) == 1 && read16(cmap, offset) == 4)
        subtable = offset;
    }
    if (subtable == 0) fail("no Unicode cmap (3, 1, format 4)");
    cmap_.assign(0x10000, 0);
    const std::uint32_t segments = read16(cmap, subtable + 6) / 2;
    const std::size_t ends = subtable + 14, starts = ends + 2 * segments + 2,
                      deltas = starts + 2 * segments, ranges = deltas + 2 * segments;
    for (std::uint32_t s = 0; s < segments; ++s) {
      const std::uint32_t start = read16(cmap, starts + 2 * s), end = read16(cmap, ends + 2 * s);
      const std::uint32_t delta = read16(cmap, deltas + 2 * s);
      const std::uint32_t range = read16(cmap, ranges + 2 * s);
      for (std::uint32_t code = start; code <= end && code < 0xFFFF; ++code) {
        std::uint32_t glyph = 0;
        if (range == 0) {
          glyph = (code + delta) & 0xFFFF;
        } else {
          glyph = read16(cmap, ranges + 2 * s + range + 2 * (code - start));
          if (glyph != 0) glyph = (glyph + delta) & 0xFFFF;
        }
        cmap_[code] = glyph < num_glyphs_ ? static_cast<std::uint16_t>(glyph) : 0;
      }
    }
  }

  std::uint32_t advance(std::uint32_t glyph) const {
    return read16(table("hmtx"), 4 * std::min(glyph, num_h_metrics_ - 1));
  }
  std::uint32_t left_side_bearing(std::uint32_t glyph) const {
    const auto hmtx = table("hmtx");
    return glyph < num_h_metrics_ ? read16(hmtx, 4 * glyph + 2)
                                  : read16(hmtx, 4 * num_h_metrics_ + 2 * (glyph - num_h_metrics_));
  }
  std::string_view glyph_data(std::uint32_t glyph) const {
    const auto loca = table("loca");
    const std::uint32_t from = long_loca_ ? read32(loca, 4 * glyph) : 2 * read16(loca, 2 * glyph);
    const std::uint32_t to =
        long_loca_ ? read32(loca, 4 * glyph + 4) : 2 * read16(loca, 2 * glyph + 2);
    const auto glyf = table("glyf");
    if (from > to || to > glyf.size()) fail("bad loca");
    return glyf.substr(from, to - from);
  }

  std::string cut(const std::set<char32_t>& codes) const {
    // The glyphs: .notdef, those of the characters, and, transitively, their components.
    std::set<std::uint32_t> keep = {0};
    std::vector<std::uint32_t> todo;
    for (char32_t code : codes)
      if (has(code) && keep.insert(cmap_[code]).second) todo.push_back(cmap_[code]);
    while (!todo.empty()) {
      const std::uint32_t glyph = todo.back();
      todo.pop_back();
      const auto data = glyph_data(glyph);
      for (std::size_t at : component_indices(data)) {
        const std::uint32_t component = read16(data, at);
        if (component >= num_glyphs_) fail("a component glyph is out of range");
        if (keep.insert(component).second) todo.push_back(component);
      }
    }
    std::map<std::uint32_t, std::uint32_t> renumbered;
    for (std::uint32_t glyph : keep) renumbered.emplace(glyph, renumbered.size());
    const auto count = static_cast<std::uint32_t>(keep.size());

    std::string glyf, loca, hmtx;
    for (std::uint32_t glyph : keep) {
      put32(loca, static_cast<std::uint32_t>(glyf.size()));
      std::string data(glyph_data(glyph));
      for (std::size_t at : component_indices(data))
        set16(data, at, renumbered.at(read16(data, at)));
      glyf += data;
      glyf.resize((glyf.size() + 3) / 4 * 4, '\0');
      put16(hmtx, advance(glyph));
      put16(hmtx, left_side_bearing(glyph));
    }
    put32(loca, static_cast<std::uint32_t>(glyf.size()));

    // cmap: one format 4 subtable, a segment per run of consecutive codes and glyphs.
    struct Segment {
      std::uint32_t start, end, delta;
    };
    std::vector<Segment> segments;
    for (char32_t code : codes) {
      if (!has(code)) continue;
      const std::uint32_t glyph = renumbered.at(cmap_[code]);
      if (!segments.empty() && segments.back().end + 1 == code &&
          ((code + segments.back().delta) & 0xFFFF) == glyph) {
        segments.back().end = code;
      } else {
        segments.push_back({code, code, (glyph - code) & 0xFFFF});
      }
    }
    segments.push_back({0xFFFF, 0xFFFF, 1});
    const auto n = static_cast<std::uint32_t>(segments.size());
    if (16 + 8 * n > 0xFFFF) fail("too many distinct characters for one cmap");
    std::uint32_t power = 1, log = 0;
    while (power * 2 <= n) {
      power *= 2;
      ++log;
    }
    std::string cmap;
    put16(cmap, 0);   // version
    put16(cmap, 1);   // one subtable
    put16(cmap, 3);   // Windows
    put16(cmap, 1);   // Unicode BMP
    put32(cmap, 12);  // its offset
    put16(cmap, 4);   // format
    put16(cmap, 16 + 8 * n);
    put16(cmap, 0);  // language
    put16(cmap, 2 * n);
    put16(cmap, 2 * power);
    put16(cmap, log);
    put16(cmap, 2 * n - 2 * power);
    for (const auto& s : segments) put16(cmap, s.end);
    put16(cmap, 0);  // reservedPad
    for (const auto& s : segments) put16(cmap, s.start);
    for (const auto& s : segments) put16(cmap, s.delta);
    for (std::uint32_t i = 0; i < n; ++i) put16(cmap, 0);  // idRangeOffset

    // post 3.0: the header without glyph names.
    std::string post;
    put32(post, 0x00030000);
    post += table("post").substr(4, 12);  // italicAngle, underline position/thickness, fixed pitch
    post.append(16, '\0');

    // name: the family, style, unique, full and PostScript names (IDs 0-6), as font subsetters
    // keep them; libharu reads IDs 2 and 6.
    const auto name = table("name");
    std::string records, strings;
    std::uint32_t kept = 0;
    const std::uint32_t storage = read16(name, 4);
    for (std::uint32_t i = 0, n_records = read16(name, 2); i < n_records; ++i) {
      const std::size_t record = 6 + 12 * i;
      if (read16(name, record + 6) > 6) continue;
      const std::uint32_t length = read16(name, record + 8);
      const std::size_t from = storage + read16(name, record + 10);
      if (from + length > name.size()) fail("bad name table");
      records += name.substr(record, 8);
      put16(records, length);
      put16(records, static_cast<std::uint32_t>(strings.size()));
      strings += name.substr(from, length);
      ++kept;
    }
    std::string names;
    put16(names, 0);
    put16(names, kept);
    put16(names, 6 + 12 * kept);
    names += records + strings;

    std::string head(table("head")), hhea(table("hhea")), maxp(table("maxp"));
    set32(head, 8, 0);   // checkSumAdjustment, computed below
    set16(head, 50, 1);  // long loca
    set16(hhea, 34, count);
    set16(maxp, 4, count);

    std::map<std::string, std::string> out = {
        {"OS/2", std::string(table("OS/2"))},
        {"cmap", cmap},
        {"glyf", glyf},
        {"head", head},
        {"hhea", hhea},
        {"hmtx", hmtx},
        {"loca", loca},
        {"maxp", maxp},
        {"name", names},
        {"post", post},
    };
    for (const char* hinting : {"cvt ", "fpgm", "prep"})
      if (tables_.count(hinting)) out.emplace(hinting, std::string(table(hinting)));

    // The file: the table directory (sorted by tag), then the tables, each 4-byte aligned.
    const auto tables = static_cast<std::uint32_t>(out.size());
    power = 1;
    log = 0;
    while (power * 2 <= tables) {
      power *= 2;
      ++log;
    }
    std::string font;
    put32(font, 0x00010000);
    put16(font, tables);
    put16(font, 16 * power);
    put16(font, log);
    put16(font, 16 * tables - 16 * power);
    std::string body;
    std::size_t head_at = 0;
    const std::size_t directory = 12 + 16 * out.size();
    for (const auto& [tag, data] : out) {
      font += tag;
      put32(font, checksum(data));
      put32(font, static_cast<std::uint32_t>(directory + body.size()));
      put32(font, static_cast<std::uint32_t>(data.size()));
      if (tag == "head") head_at = directory + body.size();
      body += data;
      body.resize((body.size() + 3) / 4 * 4, '\0');
    }
    font += body;
    set32(font, head_at + 8, 0xB1B0AFBA - checksum(font));
    return font;
  }

  std::string path_;
  std::string data_;
  std::map<std::string, std::string_view, std::less<>> tables_;
  std::uint32_t units_per_em_ = 1000, num_glyphs_ = 0, num_h_metrics_ = 0;
  bool long_loca_ = false;
  std::vector<std::uint16_t> cmap_;  // BMP code point -> glyph, 0 when the font has none
};

// ---------------------------------------------------------------------------------------------
// Layout: pages of text runs and rules, in points (1/72 inch), y upwards from the page's bottom.

struct Op {
  enum class Kind { text, rule } kind = Kind::text;
  bool bold = false;
  float size = 0;  // text: font size; rule: line width
  float x = 0, y = 0, x2 = 0, y2 = 0;
  std::string text;
};
using Page = std::vector<Op>;

struct Face {
  const TrueType* font;
  bool bold;
  float size;

  float width(std::string_view text) const {
    int units = 0;
    for (char32_t code : code_points(text)) units += font->width_units(code);
    return static_cast<float>(units) * size / 1000.0f;
  }
};

constexpr float kPageWidth = 841.89f;  // A4 landscape, as libharu sizes it
constexpr float kPageHeight = 595.276f;
constexpr float kMargin = 36;
constexpr float kRight = kPageWidth - kMargin;
constexpr float kContentWidth = kRight - kMargin;
constexpr float kBottom = 40;  // content stays above; the footer sits below
constexpr float kFooterY = 20;
constexpr float kLabelWidth = 118;  // "Грузоотправитель:" in 9 pt bold
constexpr float kCellPad = 3;
constexpr float kRowFontSize = 8;
constexpr float kRowLeading = 10;
constexpr float kHeadFontSize = 7;
constexpr float kHeadLeading = 8.5f;
constexpr float kRuleWidth = 0.5f;

enum class Align { left, center, right };

struct Column {
  const char* title;
  float width;  // 0: the name column, which takes what the others leave
  Align align;
};

// № | name | unit | OKEI | quantity | price | sum without VAT | rate | VAT | sum with VAT
constexpr Column kColumns[] = {
    {"№", 22, Align::center},
    {"", 0, Align::left},
    {"Ед. изм.", 40, Align::center},
    {"Код по ОКЕИ", 38, Align::center},
    {"Кол-во", 50, Align::right},
    {"Цена с НДС, руб.", 70, Align::right},
    {"Сумма без НДС, руб.", 76, Align::right},
    {"Ставка НДС", 42, Align::center},
    {"Сумма НДС, руб.", 70, Align::right},
    {"Сумма с НДС, руб.", 76, Align::right},
};
constexpr std::size_t kColumnCount = std::size(kColumns);
constexpr std::size_t kNameColumn = 1;
constexpr std::size_t kFirstSumColumn = 6;  // the totals row fills columns 6..9

const char* name_column_title(DocumentType type) {
  switch (type) {
    case DocumentType::act:
      return "Наименование работы, услуги";
    case DocumentType::torg12:
      return "Наименование товара";
    case DocumentType::agent_report:
    case DocumentType::refund_report:
      break;
  }
  return "Наименование товара (работы, услуги)";
}

std::string quantity_text(core::Quantity quantity) {
  std::string text = core::format_quantity(quantity);
  std::replace(text.begin(), text.end(), '.', ',');
  return text;
}

std::string party_text(const Party& party) {
  std::string text = party.name;
  if (!party.inn.empty()) text += ", ИНН " + party.inn;
  if (!party.kpp.empty()) text += ", КПП " + party.kpp;
  return text;
}

std::string heading(const Document& document) {
  return std::string(core::document_title(document.type)) + " № " +
         std::to_string(document.number) + " от " + pdf_date(document.date);
}

std::vector<std::pair<std::string, std::string>> parties_of(const Package& package,
                                                            const Document& document) {
  switch (document.type) {
    case DocumentType::act:
      return {{"Исполнитель:",
               party_text(package.principal) + ", в лице агента " + party_text(package.agent)},
              {"Заказчик:", party_text(package.buyer)}};
    case DocumentType::torg12:
      return {{"Грузоотправитель:", party_text(package.principal)},
              {"Грузополучатель:", party_text(package.buyer)},
              {"Поставщик:", party_text(package.principal)},
              {"Плательщик:", party_text(package.buyer)}};
    case DocumentType::agent_report:
    case DocumentType::refund_report:
      break;
  }
  return {{"Агент:", party_text(package.agent)},
          {"Принципал:", party_text(package.principal)},
          {"Покупатель:", party_text(package.buyer)}};
}

std::string basis_of(const Package& package) {
  std::string text = "заказ № " + package.merchant_order_id;
  if (!package.basis_number.empty() || package.basis_date) {
    text += package.kind == core::PackageKind::shipment_package ? ", документ отгрузки"
                                                                : ", документ возврата";
    if (!package.basis_number.empty()) text += " № " + package.basis_number;
    if (package.basis_date) text += " от " + pdf_date(*package.basis_date);
  }
  if (!package.reason.empty()) text += ", причина возврата: " + package.reason;
  return text;
}

struct Signatures {
  std::vector<const char*> left, right;
};

Signatures signatures_of(DocumentType type) {
  switch (type) {
    case DocumentType::act:
      return {{"От исполнителя"}, {"От заказчика"}};
    case DocumentType::torg12:
      return {{"Отпуск груза разрешил", "Главный (старший) бухгалтер", "Отпуск груза произвел"},
              {"Груз принял", "Груз получил грузополучатель"}};
    case DocumentType::agent_report:
    case DocumentType::refund_report:
      break;
  }
  return {{"От агента"}, {"От принципала"}};
}

// The cells of a line, in column order.
std::vector<std::string> cells_of(std::size_t index, const DocumentLine& line) {
  const bool no_vat = line.vat == core::VatType::none;
  return {std::to_string(index + 1),
          line.name,
          line.measure,
          line.measure_code,
          quantity_text(line.quantity),
          pdf_money(line.price),
          pdf_money(line.sum_without_vat()),
          core::vat_rate_label(line.vat),
          no_vat ? "—" : pdf_money(line.vat_sum),
          pdf_money(line.sum)};
}

bool without_vat(const Document& document) {
  return document.vat == 0 &&
         std::all_of(document.lines.begin(), document.lines.end(),
                     [](const DocumentLine& line) { return line.vat == core::VatType::none; });
}

class Layout {
 public:
  Layout(const TrueType& regular, const TrueType& bold, const Package& package,
         const Document& document)
      : regular_(regular), bold_(bold), package_(package), document_(document) {
    float fixed = 0;
    for (const auto& column : kColumns) fixed += column.width;
    float x = kMargin;
    for (const auto& column : kColumns) {
      lefts_.push_back(x);
      x += column.width > 0 ? column.width : kContentWidth - fixed;
    }
    lefts_.push_back(x);
  }

  std::vector<Page> pages() {
    new_page();
    title();
    parties();
    table();
    totals();
    signatures();
    footers();
    return std::move(pages_);
  }

 private:
  Face face(bool bold, float size) const { return {bold ? &bold_ : &regular_, bold, size}; }

  // Text as it will be drawn: printable, and '?' for what the face has no glyph for.
  std::string clean(const Face& face, std::string_view text) const {
    std::string out;
    for (char32_t code : printable(text)) append_utf8(out, face.font->has(code) ? code : U'?');
    return out;
  }

  // Greedy word wrap of clean text into lines no wider than `width`; a word wider than a line is
  // cut between characters. Always at least one line.
  std::vector<std::string> wrap(const Face& face, std::string_view text, float width) const {
    std::vector<std::string> lines;
    std::string current;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string_view::npos) end = text.size();
      std::string word(text.substr(start, end - start));
      start = end + 1;
      if (word.empty()) continue;
      const std::string joined = current.empty() ? word : current + " " + word;
      if (face.width(joined) <= width) {
        current = joined;
        continue;
      }
      if (!current.empty()) lines.push_back(current);
      current.clear();
      for (char32_t code : code_points(word)) {
        std::string longer = current;
        append_utf8(longer, code);
        if (!current.empty() && face.width(longer) > width) {
          lines.push_back(current);
          longer.clear();
          append_utf8(longer, code);
        }
        current = std::move(longer);
      }
    }
    if (!current.empty() || lines.empty()) lines.push_back(current);
    return lines;
  }

  void new_page() {
    pages_.emplace_back();
    y_ = kPageHeight - kMargin;
    if (pages_.size() > 1) {
      const Face f = face(true, 8);
      text(f, kMargin, y_ - 8, clean(f, heading(document_) + " (продолжение)"));
      y_ -= 16;
    }
  }

  void text(const Face& face, float x, float baseline, std::string content) {
    if (content.empty()) return;
    Op op;
    op.kind = Op::Kind::text;
    op.bold = face.bold;
    op.size = face.size;
    op.x = x;
    op.y = baseline;
    op.text = std::move(content);
    pages_.back().push_back(std::move(op));
  }

  void aligned(const Face& face, float left, float width, float baseline, std::string content,
               Align align) {
    const float w = face.width(content);
    const float x = align == Align::left    ? left
                    : align == Align::right ? left + width - w
                                            : left + (width - w) / 2;
    text(face, x, baseline, std::move(content));
  }

  void rule(float x1, float y1, float x2, float y2) {
    Op op;
    op.kind = Op::Kind::rule;
    op.size = kRuleWidth;
    op.x = x1;
    op.y = y1;
    op.x2 = x2;
    op.y2 = y2;
    pages_.back().push_back(std::move(op));
  }

  void title() {
    const Face f = face(true, 12);
    for (auto& piece : wrap(f, clean(f, heading(document_)), kContentWidth)) {
      aligned(f, kMargin, kContentWidth, y_ - 12, std::move(piece), Align::center);
      y_ -= 16;
    }
    y_ -= 8;
  }

  void labelled(const std::string& label, const std::string& value) {
    const Face label_face = face(true, 9), value_face = face(false, 9);
    if (y_ - 12 < kBottom) new_page();
    text(label_face, kMargin, y_ - 9, clean(label_face, label));
    for (auto& piece : wrap(value_face, clean(value_face, value), kContentWidth - kLabelWidth)) {
      if (y_ - 12 < kBottom) new_page();
      text(value_face, kMargin + kLabelWidth, y_ - 9, std::move(piece));
      y_ -= 12;
    }
    y_ -= 2;
  }

  void parties() {
    for (const auto& [label, value] : parties_of(package_, document_)) labelled(label, value);
    labelled("Основание:", basis_of(package_));
    y_ -= 8;
  }

  float inner(std::size_t column) const {
    return lefts_[column + 1] - lefts_[column] - 2 * kCellPad;
  }

  // The bottom rule of a row and its vertical rules; `from` leaves out the inner rules of a first
  // cell merged up to that column.
  void row_rules(float top, float bottom, std::size_t from = 0) {
    rule(lefts_.front(), bottom, lefts_.back(), bottom);
    rule(lefts_.front(), top, lefts_.front(), bottom);
    for (std::size_t c = std::max<std::size_t>(from, 1); c <= kColumnCount; ++c)
      rule(lefts_[c], top, lefts_[c], bottom);
  }

  std::vector<std::vector<std::string>> header_cells() const {
    const Face f = face(true, kHeadFontSize);
    std::vector<std::vector<std::string>> cells;
    for (std::size_t c = 0; c < kColumnCount; ++c) {
      const char* title = c == kNameColumn ? name_column_title(document_.type) : kColumns[c].title;
      cells.push_back(wrap(f, clean(f, title), inner(c)));
    }
    return cells;
  }

  float header_height() const {
    std::size_t lines = 1;
    for (const auto& cell : header_cells()) lines = std::max(lines, cell.size());
    return static_cast<float>(lines) * kHeadLeading + 2 * kCellPad;
  }

  void table_header() {
    const Face f = face(true, kHeadFontSize);
    const float height = header_height();
    const float top = y_;
    rule(lefts_.front(), top, lefts_.back(), top);
    const auto cells = header_cells();
    for (std::size_t c = 0; c < kColumnCount; ++c) {
      float baseline = top - kCellPad - kHeadFontSize;
      for (const auto& piece : cells[c]) {
        aligned(f, lefts_[c] + kCellPad, inner(c), baseline, piece, Align::center);
        baseline -= kHeadLeading;
      }
    }
    row_rules(top, top - height);
    y_ = top - height;
  }

  // One cell's lines: wrapped in the name column; elsewhere one line, shrunk to fit (a figure
  // must not be cut).
  std::vector<std::pair<Face, std::string>> cell_lines(std::size_t column, const std::string& value,
                                                       bool bold = false) const {
    Face f = face(bold, kRowFontSize);
    const std::string content = clean(f, value);
    std::vector<std::pair<Face, std::string>> lines;
    if (column == kNameColumn) {
      for (auto& piece : wrap(f, content, inner(column))) lines.emplace_back(f, std::move(piece));
      return lines;
    }
    while (f.size > 4 && f.width(content) > inner(column)) f.size -= 0.5f;
    lines.emplace_back(f, content);
    return lines;
  }

  void table() {
    const float head = header_height();
    if (y_ - head - (kRowLeading + 2 * kCellPad) < kBottom) new_page();
    table_header();
    for (std::size_t i = 0; i < document_.lines.size(); ++i) {
      const auto cells = cells_of(i, document_.lines[i]);
      std::vector<std::vector<std::pair<Face, std::string>>> laid;
      std::size_t rows = 1;
      for (std::size_t c = 0; c < kColumnCount; ++c) {
        laid.push_back(cell_lines(c, cells[c]));
        rows = std::max(rows, laid.back().size());
      }
      const float height = static_cast<float>(rows) * kRowLeading + 2 * kCellPad;
      if (y_ - height < kBottom) {
        new_page();
        table_header();
      }
      const float top = y_;
      for (std::size_t c = 0; c < kColumnCount; ++c) {
        float baseline = top - kCellPad - kRowFontSize;
        for (auto& [f, piece] : laid[c]) {
          aligned(f, lefts_[c] + kCellPad, inner(c), baseline, std::move(piece), kColumns[c].align);
          baseline -= kRowLeading;
        }
      }
      row_rules(top, top - height);
      y_ = top - height;
    }
  }

  // The totals row and, below it, the totals in words: kept together, with the table header
  // repeated above them when they move to a new page.
  void totals() {
    const bool no_vat = without_vat(document_);
    const std::pair<Face, std::string> summary[] = {
        {face(false, 9), "Всего наименований: " + std::to_string(document_.lines.size()) +
                             ", на сумму " + pdf_money(document_.total) + " руб."},
        {face(true, 9), "Всего на сумму: " + core::amount_in_words(document_.total)},
        {face(true, 9),
         no_vat ? std::string("Без НДС") : "в т.ч. НДС: " + core::amount_in_words(document_.vat)},
    };
    constexpr float kLeading = 13;
    std::vector<std::pair<Face, std::string>> lines;
    for (const auto& [f, content] : summary)
      for (auto& piece : wrap(f, clean(f, content), kContentWidth)) lines.emplace_back(f, piece);
    const float height = kRowLeading + 2 * kCellPad;
    if (y_ - height - 10 - static_cast<float>(lines.size()) * kLeading < kBottom) {
      new_page();
      table_header();
    }

    const float top = y_;
    const float baseline = top - kCellPad - kRowFontSize;
    const Face bold = face(true, kRowFontSize);
    aligned(bold, lefts_.front() + kCellPad,
            lefts_[kFirstSumColumn] - lefts_.front() - 2 * kCellPad, baseline,
            clean(bold, "Итого:"), Align::right);
    const std::string sums[] = {pdf_money(document_.total - document_.vat), "",
                                no_vat ? "—" : pdf_money(document_.vat),
                                pdf_money(document_.total)};
    for (std::size_t c = kFirstSumColumn; c < kColumnCount; ++c)
      for (auto& [f, piece] : cell_lines(c, sums[c - kFirstSumColumn], true))
        aligned(f, lefts_[c] + kCellPad, inner(c), baseline, std::move(piece), kColumns[c].align);
    row_rules(top, top - height, kFirstSumColumn);
    y_ = top - height - 10;

    for (auto& [f, piece] : lines) {
      text(f, kMargin, y_ - f.size, std::move(piece));
      y_ -= kLeading;
    }
    y_ -= 14;
  }

  void signatures() {
    // Each signature: its caption, then blank lines for the position, the signature and the name.
    constexpr float kItemHeight = 48;
    constexpr float kGap = 12;
    const Signatures signatures = signatures_of(document_.type);
    const std::size_t items = std::max(signatures.left.size(), signatures.right.size());
    if (y_ - static_cast<float>(items) * kItemHeight < kBottom) new_page();
    const float half = (kContentWidth - 2 * kGap) / 2;
    const float blanks[] = {110, 80, half - 110 - 80 - 2 * kGap};
    const char* captions[] = {"(должность)", "(подпись)", "(расшифровка подписи)"};
    const Face label = face(true, 8), caption = face(false, 6.5f);
    const float top = y_;
    for (int side = 0; side < 2; ++side) {
      const auto& roles = side == 0 ? signatures.left : signatures.right;
      const float x0 = kMargin + static_cast<float>(side) * (half + 2 * kGap);
      float y = top;
      for (const char* role : roles) {
        text(label, x0, y - 8, clean(label, role));
        float x = x0;
        for (std::size_t k = 0; k < std::size(blanks); ++k) {
          rule(x, y - 28, x + blanks[k], y - 28);
          aligned(caption, x, blanks[k], y - 35, clean(caption, captions[k]), Align::center);
          x += blanks[k] + kGap;
        }
        y -= kItemHeight;
      }
    }
    y_ = top - static_cast<float>(items) * kItemHeight;
  }

  void footers() {
    const Face f = face(false, 7);
    const std::string left = clean(f, heading(document_));
    const std::size_t count = pages_.size();
    for (std::size_t i = 0; i < count; ++i) {
      Op op;
      op.size = f.size;
      op.x = kMargin;
      op.y = kFooterY;
      op.text = left;
      pages_[i].push_back(op);
      op.text = clean(f, "Страница " + std::to_string(i + 1) + " из " + std::to_string(count));
      op.x = kRight - f.width(op.text);
      pages_[i].push_back(std::move(op));
    }
  }

  const TrueType& regular_;
  const TrueType& bold_;
  const Package& package_;
  const Document& document_;
  std::vector<float> lefts_;  // column edges
  std::vector<Page> pages_;
  float y_ = 0;
};

// ---------------------------------------------------------------------------------------------
// libharu, with errors turned into exceptions. The error handler only records the error (throwing
// through libharu's C frames would skip its cleanup); every call is checked right after it.

struct HaruError {
  HPDF_STATUS error = HPDF_OK;
  HPDF_STATUS detail = 0;
};

void on_haru_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* user_data) {
  auto* state = static_cast<HaruError*>(user_data);
  if (state->error == HPDF_OK) {
    state->error = error_no;
    state->detail = detail_no;
  }
}

const char* haru_error_name(HPDF_STATUS error) {
  switch (error) {
    case HPDF_FAILD_TO_ALLOC_MEM:
      return " (out of memory)";
    case HPDF_TTF_INVALID_CMAP:
    case HPDF_TTF_INVALID_FOMAT:
    case HPDF_TTF_MISSING_TABLE:
      return " (not a usable TrueType font)";
    case HPDF_INVALID_FONT_NAME:
      return " (unknown font name)";
    case HPDF_INVALID_ENCODER:
      return " (unknown encoder)";
    default:
      return "";
  }
}

class Haru {
 public:
  Haru() : doc_(HPDF_New(on_haru_error, &error_)) {
    if (doc_ == nullptr) throw std::runtime_error("render_pdf: libharu cannot create a document");
  }
  ~Haru() { HPDF_Free(doc_); }
  Haru(const Haru&) = delete;
  Haru& operator=(const Haru&) = delete;

  HPDF_Doc doc() const { return doc_; }

  // Throws when the call failed or libharu reported an error since the last check.
  void check(HPDF_STATUS status, std::string_view what) {
    if (status == HPDF_OK && error_.error == HPDF_OK) return;
    const HPDF_STATUS error = error_.error != HPDF_OK ? error_.error : status;
    char code[64];
    std::snprintf(code, sizeof code, "libharu error 0x%04X, detail %u",
                  static_cast<unsigned>(error), static_cast<unsigned>(error_.detail));
    throw std::runtime_error("render_pdf: " + std::string(what) + ": " + code +
                             haru_error_name(error));
  }
  template <typename T>
  T check_handle(T handle, std::string_view what) {
    check(handle == nullptr ? HPDF_INVALID_OBJECT : HPDF_OK, what);
    return handle;
  }

 private:
  HaruError error_;
  HPDF_Doc doc_;
};

// A subset tag (six capital letters before the font name): from the subset's characters, so that
// different subsets of a font have different names, and the same subset the same one.
std::string subset_tag(const std::set<char32_t>& codes, bool bold) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char32_t code : codes) hash = (hash ^ code) * 1099511628211ull;
  hash = (hash ^ (bold ? 1u : 0u)) * 1099511628211ull;
  std::string tag;
  for (int i = 0; i < 6; ++i, hash /= 26) tag += static_cast<char>('A' + hash % 26);
  return tag;
}

// A ToUnicode CMap for the codes the UTF-8 encoder writes: two bytes, the character's own code.
std::string to_unicode_cmap(const std::set<char32_t>& codes) {
  std::string cmap =
      "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
      "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
      "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
      "1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n";
  const std::vector<char32_t> all(codes.begin(), codes.end());
  for (std::size_t from = 0; from < all.size(); from += 100) {  // at most 100 per block
    const std::size_t to = std::min(all.size(), from + 100);
    cmap += std::to_string(to - from) + " beginbfchar\n";
    for (std::size_t i = from; i < to; ++i) {
      char entry[32];
      std::snprintf(entry, sizeof entry, "<%04X> <%04X>\n", static_cast<unsigned>(all[i]),
                    static_cast<unsigned>(all[i]));
      cmap += entry;
    }
    cmap += "endbfchar\n";
  }
  return cmap + "endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n";
}

// Registers the subset of `font` for `codes` with the document and returns it as a UTF-8 font.
HPDF_Font load_subset(Haru& haru, const TrueType& font, const std::set<char32_t>& codes,
                      bool bold) {
  HPDF_Doc doc = haru.doc();
  const std::string what = "load the subset of " + font.path();
  const std::string bytes = font.subset(codes);
  HPDF_Stream stream = haru.check_handle(HPDF_MemStream_New(doc->mmgr, HPDF_STREAM_BUF_SIZ), what);
  if (HPDF_Stream_Write(stream, reinterpret_cast<const HPDF_BYTE*>(bytes.data()),
                        static_cast<HPDF_UINT>(bytes.size())) != HPDF_OK) {
    HPDF_Stream_Free(stream);
    haru.check(HPDF_FAILD_TO_ALLOC_MEM, what);
  }
  // The font definition owns the stream from here on, also when loading fails.
  HPDF_FontDef def = haru.check_handle(HPDF_TTFontDef_Load(doc->mmgr, stream, HPDF_TRUE), what);
  // libharu embeds the glyphs it has marked as used; the subset holds only used glyphs.
  auto* attr = static_cast<HPDF_TTFontDefAttr>(def->attr);
  std::fill(attr->glyph_tbl.flgs, attr->glyph_tbl.flgs + attr->num_glyphs, HPDF_BYTE{1});
  std::string tag = subset_tag(codes, bold);
  HPDF_TTFontDef_SetTagName(def, tag.data());
  haru.check(HPDF_Doc_RegisterFontDef(doc, def), what);  // frees `def` when it fails
  HPDF_Font handle = haru.check_handle(HPDF_GetFont(doc, def->base_font, "UTF-8"), what);

  auto* font_attr = static_cast<HPDF_FontAttr>(handle->attr);
  if (font_attr->cmap_stream == nullptr || font_attr->cmap_stream->stream == nullptr)
    throw std::runtime_error("render_pdf: libharu made no ToUnicode map for " + font.path());
  HPDF_MemStream_FreeData(font_attr->cmap_stream->stream);
  haru.check(HPDF_Stream_WriteStr(font_attr->cmap_stream->stream, to_unicode_cmap(codes).c_str()),
             "write the ToUnicode map");
  return handle;
}

void draw(Haru& haru, const std::vector<Page>& pages, HPDF_Font regular, HPDF_Font bold) {
  for (const Page& ops : pages) {
    HPDF_Page page = haru.check_handle(HPDF_AddPage(haru.doc()), "add a page");
    haru.check(HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_LANDSCAPE), "size the page");
    bool in_text = false;
    HPDF_Font font = nullptr;
    float size = 0, line_width = 0;
    for (const Op& op : ops) {
      if (op.kind == Op::Kind::text) {
        if (!in_text) haru.check(HPDF_Page_BeginText(page), "begin text");
        in_text = true;
        HPDF_Font wanted = op.bold ? bold : regular;
        if (wanted != font || op.size != size)
          haru.check(HPDF_Page_SetFontAndSize(page, wanted, op.size), "set the font");
        font = wanted;
        size = op.size;
        haru.check(HPDF_Page_TextOut(page, op.x, op.y, op.text.c_str()), "draw text");
        continue;
      }
      if (in_text) haru.check(HPDF_Page_EndText(page), "end text");
      in_text = false;
      if (op.size != line_width)
        haru.check(HPDF_Page_SetLineWidth(page, op.size), "set the line width");
      line_width = op.size;
      haru.check(HPDF_Page_MoveTo(page, op.x, op.y), "draw a rule");
      haru.check(HPDF_Page_LineTo(page, op.x2, op.y2), "draw a rule");
      haru.check(HPDF_Page_Stroke(page), "draw a rule");
    }
    if (in_text) haru.check(HPDF_Page_EndText(page), "end text");
  }
}

// Fonts are read and parsed once per process and path (a worker renders thousands of documents;
// reading 1.4 MB of TrueType for each one was most of the time), then shared read-only. A font
// package upgraded under a running worker is picked up at its next start.
const TrueType& font_at(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<const TrueType>> loaded;
  std::lock_guard lock(mutex);
  auto& slot = loaded[path];
  if (!slot) slot = std::make_unique<const TrueType>(path);  // throws: nothing is cached
  return *slot;
}

}  // namespace

std::string render_pdf(const core::Package& package, const core::Document& document,
                       const PdfOptions& options) {
  const std::filesystem::path dir(options.font_dir);
  const TrueType& regular = font_at((dir / "DejaVuSans.ttf").string());
  const TrueType& bold = font_at((dir / "DejaVuSans-Bold.ttf").string());
  const std::vector<Page> pages = Layout(regular, bold, package, document).pages();

  // The characters each face draws; 'H' and 'x' too, from which libharu takes the cap and x
  // heights of the font descriptor.
  std::set<char32_t> regular_codes = {U'H', U'x'}, bold_codes = {U'H', U'x'};
  for (const Page& page : pages)
    for (const Op& op : page)
      if (op.kind == Op::Kind::text)
        for (char32_t code : code_points(op.text))
          (op.bold ? bold_codes : regular_codes).insert(code);

  Haru haru;
  HPDF_Doc doc = haru.doc();
  haru.check(HPDF_SetCompressionMode(doc, HPDF_COMP_ALL), "set compression");
  haru.check(HPDF_UseUTFEncodings(doc), "enable UTF encodings");
  haru.check(HPDF_SetCurrentEncoder(doc, "UTF-8"), "select the UTF-8 encoder");
  const HPDF_Font regular_font = load_subset(haru, regular, regular_codes, false);
  const HPDF_Font bold_font = load_subset(haru, bold, bold_codes, true);
  draw(haru, pages, regular_font, bold_font);

  // No HPDF_SetInfoDateAttr and no encryption: libharu then writes neither dates nor /ID, so the
  // bytes depend on the content alone.
  haru.check(HPDF_SaveToStream(doc), "write the PDF");
  const HPDF_UINT32 size = HPDF_GetStreamSize(doc);
  if (size == 0) throw std::runtime_error("render_pdf: libharu wrote no PDF");
  std::string bytes(size, '\0');
  HPDF_UINT32 read = size;
  haru.check(HPDF_ResetStream(doc), "rewind the PDF");
  haru.check(HPDF_ReadFromStream(doc, reinterpret_cast<HPDF_BYTE*>(bytes.data()), &read),
             "read the PDF");
  if (read != size) throw std::runtime_error("render_pdf: libharu returned a short PDF");
  return bytes;
}

}  // namespace kassa::render
