// The e-mail that carries a document package to the buyer: one RFC 5322 / MIME message
// (multipart/mixed: a plain-text letter in Russian, then each file as a base64 attachment).
//
// Deterministic, like the package: Date is the package's issued_at, Message-ID is derived from the
// package id, the MIME boundary from the package id, so a message queued again after a crash is
// byte-identical and mail clients can drop a second copy by its Message-ID. Lines end in CRLF and
// stay under 78 characters; non-ASCII header text is an RFC 2047 encoded word.
#pragma once

#include <string>
#include <vector>

#include "core/package.hpp"

namespace kassa::contract {

struct MailAttachment {
  std::string name, media_type, bytes;
};

struct MailEnvelope {
  std::string from;        // KASSA_SMTP_FROM
  std::string to;          // the buyer's e-mail
  std::string message_id;  // UUID of the message; the header is <uuid@kassa.invoicebox.ru>
};

std::string mail_message(const core::Package& package, const MailEnvelope& envelope,
                         const std::vector<MailAttachment>& attachments);

// "=?UTF-8?B?...?=" words for a header value that is not plain ASCII (the value itself if it is).
std::string encode_header_words(const std::string& text);

}  // namespace kassa::contract
