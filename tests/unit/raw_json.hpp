// Reading receipt bodies back without floating point. nlohmann turns 1999.99 into a double; the
// parser here keeps the source text of every number that has a fraction or exponent, so a test can
// check money digit by digit ("350.00", not 350) and convert it to kopecks exactly.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/money.hpp"
#include "core/quantity.hpp"

namespace kassa::testing {

// A number with a fraction is stored as a JSON object {"$raw": "<source text>"}.
inline constexpr const char* kRawKey = "$raw";

class RawNumberSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  using json = nlohmann::json;

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override { return value(v); }
  bool number_unsigned(number_unsigned_t v) override { return value(v); }
  bool number_float(number_float_t, const string_t& text) override {
    return value(json{{kRawKey, text}});
  }
  bool string(string_t& v) override { return value(v); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    stack_.push_back(place(json::object()));
    return true;
  }
  bool key(string_t& name) override {
    key_ = name;
    return true;
  }
  bool end_object() override {
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override {
    stack_.push_back(place(json::array()));
    return true;
  }
  bool end_array() override {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& error) override {
    error_ = "at " + std::to_string(position) + " (" + token + "): " + error.what();
    return false;
  }

  json root;
  std::string error_;

 private:
  // Children are filled completely before their next sibling is added, so the pointers on the
  // stack stay valid.
  json* place(json v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    parent[key_] = std::move(v);
    return &parent[key_];
  }
  bool value(json v) {
    place(std::move(v));
    return true;
  }

  std::vector<json*> stack_;
  std::string key_;
};

// Throws std::runtime_error on invalid JSON.
inline nlohmann::json parse_raw(const std::string& text) {
  RawNumberSax sax;
  if (!nlohmann::json::sax_parse(text, &sax) || !sax.error_.empty())
    throw std::runtime_error("invalid JSON " + sax.error_ + ": " + text.substr(0, 200));
  return std::move(sax.root);
}

// The source text of a number: "1999.99" for a raw fraction, "2" for an integer; nullopt when the
// value is not a number.
inline std::optional<std::string> number_text(const nlohmann::json& v) {
  if (v.is_object() && v.size() == 1 && v.contains(kRawKey)) return v[kRawKey].get<std::string>();
  if (v.is_number_integer()) return v.dump();
  return std::nullopt;
}

// True for money as ATOL gets it from kassa: digits, a point, exactly two decimals.
inline bool two_decimals(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos || dot == 0 || text.size() - dot != 3) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (i != dot && (text[i] < '0' || text[i] > '9')) return false;
  return true;
}

// Money inside `atol`: rubles with exactly two decimals -> kopecks; throws otherwise.
inline core::Kopecks rubles(const nlohmann::json& v) {
  const auto text = number_text(v);
  if (!text || !two_decimals(*text))
    throw std::runtime_error("not rubles with two decimals: " + v.dump());
  const auto kopecks = core::parse_rubles(*text);
  if (!kopecks) throw std::runtime_error("unparsable rubles: " + *text);
  return *kopecks;
}

// A quantity: an integer (2) or a decimal with up to three places (0.75) -> thousandths.
inline core::Quantity quantity(const nlohmann::json& v) {
  const auto text = number_text(v);
  if (!text) throw std::runtime_error("quantity is not a number: " + v.dump());
  const auto q = core::parse_quantity(*text);
  if (!q) throw std::runtime_error("bad quantity text: " + *text);
  return *q;
}

}  // namespace kassa::testing
