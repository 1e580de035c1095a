// VAT codes of the contract. RUS_VAT20 and RUS_VAT22 (and their _ADDED twins) all mean "the
// standard rate", whose percentage depends on the receipt's Moscow date; the rate tables live with
// the receipt builder.
#pragma once

#include <optional>
#include <string_view>

namespace kassa::core {

enum class VatCode { none, rate0, rate5, rate7, rate10, standard };

std::optional<VatCode> parse_vat_code(std::string_view text);
std::string_view vat_code_name(VatCode code);  // canonical: VATNONE, RUS_VAT0, ..., RUS_VAT22

}  // namespace kassa::core
