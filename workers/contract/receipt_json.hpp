// The receipt message of kassa.receipts.v1 (contract section 3) with its ATOL Online v5 body
// (fiscal-54fz.md section 9). Money is kopecks in the envelope (`total`) and rubles with two
// decimals inside `atol`, written as decimal text from integers, never through floating point.
// Keys are written in a fixed order, so the same receipt always renders to the same bytes.
#pragma once

#include <string>

#include "core/receipt.hpp"

namespace kassa::contract {

// UUID v5 of the receipt's id name in the contract's namespace.
std::string receipt_id(const core::Receipt& receipt);

// `callback_url` is the cash-register gateway's callback (service.callback_url); empty: omitted.
std::string receipt_json(const core::Receipt& receipt, const core::Seller& seller,
                         const std::string& callback_url);

}  // namespace kassa::contract
