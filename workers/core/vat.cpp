#include "core/vat.hpp"

#include <array>
#include <utility>

namespace kassa::core {

std::optional<VatCode> parse_vat_code(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, VatCode>, 12> kCodes = {{
      {"VATNONE", VatCode::none},
      {"RUS_VAT0", VatCode::rate0},
      {"RUS_VAT5", VatCode::rate5},
      {"RUS_VAT5_ADDED", VatCode::rate5},
      {"RUS_VAT7", VatCode::rate7},
      {"RUS_VAT7_ADDED", VatCode::rate7},
      {"RUS_VAT10", VatCode::rate10},
      {"RUS_VAT10_ADDED", VatCode::rate10},
      {"RUS_VAT20", VatCode::standard},
      {"RUS_VAT20_ADDED", VatCode::standard},
      {"RUS_VAT22", VatCode::standard},
      {"RUS_VAT22_ADDED", VatCode::standard},
  }};
  for (const auto& [name, code] : kCodes)
    if (name == text) return code;
  return std::nullopt;
}

std::string_view vat_code_name(VatCode code) {
  switch (code) {
    case VatCode::none:
      return "VATNONE";
    case VatCode::rate0:
      return "RUS_VAT0";
    case VatCode::rate5:
      return "RUS_VAT5";
    case VatCode::rate7:
      return "RUS_VAT7";
    case VatCode::rate10:
      return "RUS_VAT10";
    case VatCode::standard:
      return "RUS_VAT22";
  }
  return "VATNONE";
}

}  // namespace kassa::core
