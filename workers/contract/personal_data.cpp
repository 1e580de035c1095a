#include "contract/personal_data.hpp"

#include <cctype>

namespace kassa::contract {
namespace {

bool digit(char c) {
  return c >= '0' && c <= '9';
}
// Characters of an e-mail's local part and domain (RFC 5322's dot-atom, as receipts carry them).
bool local_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '%' ||
         c == '+' || c == '-';
}
bool domain_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-';
}

}  // namespace

std::string mask_personal_data(std::string_view text) {
  std::string out(text);
  // Phones: '+' then 10..15 digits, not inside a longer run of digits.
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != '+' || (i > 0 && digit(out[i - 1]))) continue;
    std::size_t end = i + 1;
    while (end < out.size() && digit(out[end])) ++end;
    const std::size_t digits = end - i - 1;
    if (digits < 10 || digits > 15) continue;
    for (std::size_t k = i + 3; k < end - 2; ++k) out[k] = '*';
    i = end - 1;
  }
  // E-mails: the local part before each '@' that has a domain with a dot after it.
  for (std::size_t at = out.find('@'); at != std::string::npos; at = out.find('@', at + 1)) {
    std::size_t begin = at;
    while (begin > 0 && local_char(out[begin - 1])) --begin;
    std::size_t end = at + 1;
    while (end < out.size() && domain_char(out[end])) ++end;
    const std::string_view domain(out.data() + at + 1, end - at - 1);
    if (begin == at || domain.find('.') == std::string_view::npos) continue;
    for (std::size_t k = begin + 1; k < at; ++k) out[k] = '*';
  }
  return out;
}

}  // namespace kassa::contract
