#include "contract/mail_message.hpp"

#include <cstdio>

#include "contract/encoding.hpp"
#include "core/money.hpp"

namespace kassa::contract {
namespace {

constexpr const char* kCrlf = "\r\n";

bool is_ascii(const std::string& text) {
  for (const char c : text)
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\r' || c == '\n') return false;
  return true;
}

// Base64 in lines of 76 characters, as MIME bodies need.
std::string base64_lines(const std::string& bytes) {
  const std::string encoded = base64_encode(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < encoded.size(); i += 76) out += encoded.substr(i, 76) + kCrlf;
  return out;
}

// "Sat, 14 Feb 2026 15:00:00 +0300": the package's instant in Moscow time.
std::string rfc5322_date(core::UtcTime time) {
  static const char* kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::int64_t micros = time.unix_micros + core::kMoscowOffsetMicros;
  std::int64_t seconds = micros / 1'000'000;
  if (micros % 1'000'000 < 0) --seconds;
  std::int64_t days = seconds / 86400;
  std::int64_t rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  const core::CivilDate date = core::civil_from_days(days);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02lld:%02lld:%02lld +0300",
                kDays[((days % 7) + 7) % 7], date.day, kMonths[date.month - 1], date.year,
                static_cast<long long>(rest / 3600), static_cast<long long>(rest / 60 % 60),
                static_cast<long long>(rest % 60));
  return buffer;
}

std::string ru_date(core::CivilDate date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d.%02d.%04d", date.day, date.month, date.year);
  return buffer;
}

// A quoted-string for a MIME parameter (file names are kassa's own ASCII names).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string letter(const core::Package& p) {
  std::string text = "Здравствуйте!\r\n\r\n";
  text += p.agent.name + " (Invoicebox), платёжный агент продавца " + p.principal.name + " (ИНН " +
          p.principal.inn + "), направляет документы по заказу № " + p.merchant_order_id +
          ":\r\n\r\n";
  for (const auto& d : p.documents)
    text += "  - " + std::string(core::document_title(d.type)) + " № " + std::to_string(d.number) +
            " от " + ru_date(d.date) + " на сумму " + core::format_rubles(d.total) + " руб.\r\n";
  text +=
      "\r\nДокументы приложены в PDF; акт и товарная накладная также в формате ФНС (XML) для "
      "электронного документооборота.\r\n\r\nПисьмо отправлено автоматически, отвечать на него "
      "не нужно.\r\n";
  return text;
}

}  // namespace

std::string encode_header_words(const std::string& text) {
  if (is_ascii(text)) return text;
  // At most 45 bytes per word (60 characters of base64): words stay within 75 characters and a
  // UTF-8 character is never cut between two of them.
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + 45);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64_encode(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

std::string mail_message(const core::Package& package, const MailEnvelope& envelope,
                         const std::vector<MailAttachment>& attachments) {
  const std::string boundary = "kassa-" + envelope.message_id;
  const core::CivilDate date = package.documents.empty() ? core::moscow_date(package.issued_at)
                                                         : package.documents.front().date;
  const std::string subject =
      (package.kind == core::PackageKind::refund_package ? "Документы о возврате по заказу № "
                                                         : "Документы по заказу № ") +
      package.merchant_order_id + " от " + ru_date(date);
  std::string m;
  m += "From: " + encode_header_words(package.agent.name) + " <" + envelope.from + ">" + kCrlf;
  m += "To: " + envelope.to + kCrlf;
  m += "Subject: " + encode_header_words(subject) + kCrlf;
  m += "Date: " + rfc5322_date(package.issued_at) + kCrlf;
  m += "Message-ID: <" + envelope.message_id + "@kassa.invoicebox.ru>" + kCrlf;
  m += "MIME-Version: 1.0" + std::string(kCrlf);
  m += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"" + kCrlf;
  m += kCrlf;
  m += "--" + boundary + kCrlf;
  m += "Content-Type: text/plain; charset=UTF-8" + std::string(kCrlf);
  m += "Content-Transfer-Encoding: base64" + std::string(kCrlf) + kCrlf;
  m += base64_lines(letter(package));
  for (const auto& a : attachments) {
    m += "--" + boundary + kCrlf;
    m += "Content-Type: " + a.media_type + "; name=" + quoted(a.name) + kCrlf;
    m += "Content-Disposition: attachment; filename=" + quoted(a.name) + kCrlf;
    m += "Content-Transfer-Encoding: base64" + std::string(kCrlf) + kCrlf;
    m += base64_lines(a.bytes);
  }
  m += "--" + boundary + "--" + kCrlf;
  return m;
}

}  // namespace kassa::contract
