#include "contract/secrets.hpp"

#include <algorithm>

namespace kassa::contract {

bool is_secret_kafka_property(std::string_view name) {
  // A private key inline (ssl.key.pem) or in a JAAS/OAUTHBEARER config string is a credential as
  // much as a password; certificates and file locations are not.
  for (std::string_view marker :
       {"password", "secret", "ssl.key.pem", "sasl.jaas.config", "sasl.oauthbearer.config"})
    if (name.find(marker) != std::string_view::npos) return true;
  return false;
}

std::string redact_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  std::vector<std::string_view> ordered(secrets.begin(), secrets.end());
  std::sort(ordered.begin(), ordered.end(),
            [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  std::string out(text);
  for (const auto secret : ordered) {
    if (secret.empty()) continue;
    for (auto at = out.find(secret); at != std::string::npos; at = out.find(secret, at + 3))
      out.replace(at, secret.size(), "***");
  }
  return out;
}

}  // namespace kassa::contract
