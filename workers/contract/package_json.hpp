// The package message of kassa.documents.v1 (contract section 3), and back.
//
// The contract fixes package_id, kind, order_id, merchant_id, source_event_id, issued_at, buyer
// and documents (type, number, date, total, vat, lines, pdf_sha256). kassa adds what a reader of
// the documents needs and what re-rendering needs, so the message alone is the whole package:
// merchant_order_id, principal, agent, basis, total, each line's detail and the file names with
// their sha256. Money is integer kopecks, dates YYYY-MM-DD, times RFC 3339 UTC; keys are written
// in a fixed order, so the same package always gives the same bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/package.hpp"

namespace kassa::contract {

// UUID v5 of "<source event_id>:shipment_package|refund_package" in the contract's namespace.
std::string package_id(const core::Package& package);

// The files of one document (the XML only for the act and TORG-12).
struct DocumentFiles {
  std::string pdf_name, pdf_sha256;
  std::string xml_name, xml_sha256;  // empty when the document has no FNS XML
};

// `files` has one entry per document of the package, in the same order.
std::string package_json(const core::Package& package, const std::vector<DocumentFiles>& files);

// Reads a message written by package_json (numbers included); throws std::runtime_error with the
// reason on anything else.
core::Package package_from_json(std::string_view body);
std::vector<DocumentFiles> files_from_json(std::string_view body);

}  // namespace kassa::contract
