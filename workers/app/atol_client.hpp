// HTTP calls to an ATOL Online v5 compatible API (fiscal-54fz.md §9): getToken, sell /
// sell_refund / corrections, report. Transport only: what an answer means is decided by
// contract::interpret_atol_answer, so this class returns the status and the body as they came.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace httplib {
class Client;
}

namespace kassa::app {

struct HttpAnswer {
  int status = 0;  // 0: no answer (refused, timed out, cut)
  std::string body;
  std::string transport_error;  // why there was no answer
};

class AtolClient {
 public:
  // `base_url`: scheme, host, port and path prefix, e.g. https://online.atol.ru/possystem/v5.
  AtolClient(const std::string& base_url, std::chrono::milliseconds timeout);
  ~AtolClient();
  AtolClient(const AtolClient&) = delete;
  AtolClient& operator=(const AtolClient&) = delete;

  HttpAnswer get_token(const std::string& login, const std::string& password);
  // POST {base}/{group}/{operation} with the request body as given (its bytes are sent as is).
  HttpAnswer register_receipt(const std::string& group, const std::string& operation,
                              const std::string& body, const std::string& token);
  HttpAnswer report(const std::string& group, const std::string& uuid, const std::string& token);

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string prefix_;  // the base URL's path, without a trailing slash
};

}  // namespace kassa::app
