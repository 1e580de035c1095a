// The e-mail of a document package (contract::mail_message): what a mail server and a reader need,
// checked without kassa's own decoding (the base64 decoder here is the test's own).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "contract/mail_message.hpp"

namespace kassa::contract {
namespace {

std::string base64_decode(const std::string& text) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  int bits = 0, value = 0;
  for (const char c : text) {
    const auto index = kAlphabet.find(c);
    if (index == std::string::npos) continue;  // line breaks and padding
    value = value << 6 | static_cast<int>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>(value >> bits & 0xFF);
    }
  }
  return out;
}

core::Package package() {
  core::Package p;
  p.id_name = "evt-1:shipment_package";
  p.kind = core::PackageKind::shipment_package;
  p.merchant_order_id = "B2B-1001";
  p.issued_at = core::parse_utc("2026-02-14T12:00:00Z").value();
  p.agent = {"ООО «ОРЦ»", "7709123456", "", "kassa@invoicebox.ru", ""};
  p.principal = {"ООО «Чайный двор»", "7707083893", "770701001", "", ""};
  p.buyer = {"ООО «Ромашка»", "7707083893", "770701001", "buh@romashka.example.ru", ""};
  core::Document report;
  report.type = core::DocumentType::agent_report;
  report.number = 17;
  report.date = {2026, 2, 14};
  report.total = 434998;
  core::Document torg12 = report;
  torg12.type = core::DocumentType::torg12;
  torg12.number = 5;
  torg12.total = 399998;
  p.documents = {report, torg12};
  return p;
}

const MailEnvelope kEnvelope{"documents@invoicebox.ru", "buh@romashka.example.ru",
                             "0c7a9a1e-58b8-5a4e-9d0f-0a1b2c3d4e5f"};

std::vector<MailAttachment> attachments() {
  std::string pdf = "%PDF-1.4\n";
  for (int i = 0; i < 3000; ++i) pdf += static_cast<char>(i * 7 % 256);  // binary, with CR/LF
  return {{"agent_report_17.pdf", "application/pdf", pdf},
          {"torg12_5.pdf", "application/pdf", pdf + "x"},
          {"ON_NSCHFDOPPR_A_O_20260214_0000.xml", "application/xml",
           "<?xml version=\"1.0\" encoding=\"windows-1251\"?>\r\n<Файл/>"}};
}

std::string header(const std::string& message, const std::string& name) {
  const auto at = message.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  auto start = at + name.size() + 4;
  auto end = message.find("\r\n", start);
  while (end != std::string::npos && message[end + 2] == ' ')  // folded continuation lines
    end = message.find("\r\n", end + 2);
  return message.substr(start, end - start);
}

// "=?UTF-8?B?...?=" words (folded or not) back to text.
std::string decode_words(const std::string& value) {
  std::string out;
  std::size_t at = 0;
  while ((at = value.find("=?UTF-8?B?", at)) != std::string::npos) {
    const auto end = value.find("?=", at + 10);
    out += base64_decode(value.substr(at + 10, end - at - 10));
    at = end + 2;
  }
  return out;
}

TEST(MailMessage, HeadersSayWhoWhatAndWhen) {
  const std::string m = "\r\n" + mail_message(package(), kEnvelope, attachments());
  EXPECT_EQ(header(m, "To"), "buh@romashka.example.ru");
  EXPECT_NE(header(m, "From").find("<documents@invoicebox.ru>"), std::string::npos);
  EXPECT_EQ(decode_words(header(m, "From")), "ООО «ОРЦ»");
  EXPECT_EQ(decode_words(header(m, "Subject")), "Документы по заказу № B2B-1001 от 14.02.2026");
  // 12:00 UTC is 15:00 in Moscow; 14 February 2026 is a Saturday.
  EXPECT_EQ(header(m, "Date"), "Sat, 14 Feb 2026 15:00:00 +0300");
  EXPECT_EQ(header(m, "Message-ID"), "<0c7a9a1e-58b8-5a4e-9d0f-0a1b2c3d4e5f@kassa.invoicebox.ru>");
  EXPECT_EQ(header(m, "MIME-Version"), "1.0");
}

TEST(MailMessage, EveryFileIsAttachedIntact) {
  const auto files = attachments();
  const std::string m = mail_message(package(), kEnvelope, files);
  const std::string boundary = "--kassa-" + kEnvelope.message_id;
  std::vector<std::string> parts;
  for (auto at = m.find(boundary); at != std::string::npos;) {
    const auto next = m.find(boundary, at + boundary.size());
    if (next == std::string::npos) break;
    parts.push_back(m.substr(at + boundary.size(), next - at - boundary.size()));
    at = next;
  }
  EXPECT_EQ(m.substr(m.size() - boundary.size() - 4), boundary + "--\r\n");
  ASSERT_EQ(parts.size(), 1 + files.size());  // the letter, then one part per file
  const std::string letter = base64_decode(parts[0].substr(parts[0].find("\r\n\r\n")));
  EXPECT_NE(letter.find("Отчёт агента о перечислении денежных средств № 17 от 14.02.2026 на "
                        "сумму 4349.98 руб."),
            std::string::npos)
      << letter;
  EXPECT_NE(letter.find("Товарная накладная (ТОРГ-12) № 5"), std::string::npos);
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string& part = parts[i + 1];
    EXPECT_NE(part.find("Content-Disposition: attachment; filename=\"" + files[i].name + "\""),
              std::string::npos);
    EXPECT_NE(part.find("Content-Type: " + files[i].media_type), std::string::npos);
    EXPECT_EQ(base64_decode(part.substr(part.find("\r\n\r\n"))), files[i].bytes) << files[i].name;
  }
}

TEST(MailMessage, LinesEndInCrlfAndStayShort) {
  const std::string m = mail_message(package(), kEnvelope, attachments());
  std::size_t start = 0, longest_body_line = 0;
  bool in_body = false;
  while (start < m.size()) {
    const auto end = m.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "the message ends with a line break";
    ASSERT_GT(end, start);
    EXPECT_EQ(m[end - 1], '\r') << "bare LF at byte " << end;
    const std::size_t length = end - 1 - start;
    EXPECT_LE(length, 998u);
    if (length == 0) in_body = true;
    if (in_body && m.compare(start, 2, "--") != 0 && m.compare(start, 8, "Content-") != 0)
      longest_body_line = std::max(longest_body_line, length);
    start = end + 1;
  }
  EXPECT_LE(longest_body_line, 76u);
}

TEST(MailMessage, SameInputsSameBytes) {
  EXPECT_EQ(mail_message(package(), kEnvelope, attachments()),
            mail_message(package(), kEnvelope, attachments()));
}

TEST(MailMessage, HeaderWordsAreAsciiOrEncodedWithinTheLimit) {
  EXPECT_EQ(encode_header_words("Invoice 17"), "Invoice 17");
  const std::string long_subject =
      "Документы о возврате по заказу № ОЧЕНЬ-ДЛИННЫЙ-НОМЕР-ЗАКАЗА-2026 от 20.02.2026 — ё";
  const std::string encoded = encode_header_words(long_subject);
  EXPECT_EQ(decode_words(encoded), long_subject) << "no character is cut between two words";
  std::size_t start = 0;
  while (start < encoded.size()) {
    auto end = encoded.find("\r\n", start);
    if (end == std::string::npos) end = encoded.size();
    EXPECT_LE(end - start, 76u);  // a word is at most 75 characters, plus the folding space
    start = end + 2;
  }
}

}  // namespace
}  // namespace kassa::contract
