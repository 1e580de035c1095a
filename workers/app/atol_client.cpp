#include "app/atol_client.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

namespace kassa::app {
namespace {

HttpAnswer answer_of(const httplib::Result& result) {
  HttpAnswer out;
  if (!result) {
    out.transport_error = httplib::to_string(result.error());
    return out;
  }
  out.status = result->status;
  out.body = result->body;
  return out;
}

}  // namespace

AtolClient::AtolClient(const std::string& base_url, std::chrono::milliseconds timeout) {
  const auto scheme_end = base_url.find("://");
  if (scheme_end == std::string::npos)
    throw std::invalid_argument("KASSA_ATOL_URL must be a URL (https://host/possystem/v5), got '" +
                                base_url + "'");
  const auto path_start = base_url.find('/', scheme_end + 3);
  const std::string origin =
      path_start == std::string::npos ? base_url : base_url.substr(0, path_start);
  prefix_ = path_start == std::string::npos ? "" : base_url.substr(path_start);
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
  client_ = std::make_unique<httplib::Client>(origin);
  if (!client_->is_valid())
    throw std::invalid_argument("KASSA_ATOL_URL: cannot use '" + origin + "'");
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(timeout - seconds);
  client_->set_connection_timeout(
      std::min<std::chrono::seconds>(seconds, std::chrono::seconds(10)));
  client_->set_read_timeout(seconds.count(), micros.count());
  client_->set_write_timeout(seconds.count(), micros.count());
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);  // small requests on a kept-alive connection, sent at once
}

AtolClient::~AtolClient() = default;

HttpAnswer AtolClient::get_token(const std::string& login, const std::string& password) {
  const std::string body = nlohmann::json{{"login", login}, {"pass", password}}.dump();
  return answer_of(client_->Post(prefix_ + "/getToken", body, "application/json; charset=utf-8"));
}

HttpAnswer AtolClient::register_receipt(const std::string& group, const std::string& operation,
                                        const std::string& body, const std::string& token) {
  return answer_of(client_->Post(prefix_ + "/" + group + "/" + operation, {{"Token", token}}, body,
                                 "application/json; charset=utf-8"));
}

HttpAnswer AtolClient::report(const std::string& group, const std::string& uuid,
                              const std::string& token) {
  return answer_of(client_->Get(prefix_ + "/" + group + "/report/" + uuid, {{"Token", token}}));
}

}  // namespace kassa::app
