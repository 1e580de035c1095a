// Russian tax requisites of an organization buyer, checked before any document names them.
#pragma once

#include <string_view>

namespace kassa::core {

// INN (taxpayer number): 10 digits for an organization, 12 for a person or sole trader, with the
// check digits of the Federal Tax Service's algorithm (weighted sums mod 11 mod 10).
bool valid_inn(std::string_view inn);

// KPP (tax registration reason code): 9 digits.
bool valid_kpp(std::string_view kpp);

}  // namespace kassa::core
