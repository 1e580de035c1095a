// Masking of personal data in text that leaves kassa for logs: buyers' phones and e-mails (54-FZ
// receipts carry them, and error messages may quote a field). A phone keeps its first two digits
// (+7) and last two; an e-mail keeps its first character and its domain, so a log line still
// tells which of two buyers it was about without saying who.
#pragma once

#include <string>
#include <string_view>

namespace kassa::contract {

// "+79161234567" -> "+79*******67"; "ivan.petrov@mail.ru" -> "i**********@mail.ru". Phones are
// '+' followed by 10 to 15 digits (the form receipts use); other text is left as it is.
std::string mask_personal_data(std::string_view text);

}  // namespace kassa::contract
