// What a log line may show of a buyer: masked phones and e-mails, everything else unchanged.
#include <gtest/gtest.h>

#include "contract/personal_data.hpp"

namespace kassa::contract {
namespace {

struct Case {
  const char* text;
  const char* logged;
};

TEST(PersonalData, PhonesAndEmailsAreMaskedInLogText) {
  const Case cases[] = {
      {"+79161234567", "+79*******67"},
      {"client phone +79161234567 refused", "client phone +79*******67 refused"},
      {"ivan.petrov@mail.ru", "i**********@mail.ru"},
      {"to a@b.ru, +74957870101", "to a@b.ru, +74*******01"},  // one character: nothing to hide
      {"{\"email\":\"buyer@example.org\",\"phone\":\"+79990000001\"}",
       "{\"email\":\"b****@example.org\",\"phone\":\"+79*******01\"}"},
      // Not personal data: ids, amounts, offsets, a '+' without enough digits, a bare '@'.
      {"order 6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d amount 1234567890123",
       "order 6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d amount 1234567890123"},
      {"+7123 and 5+5 and @ and user@localhost", "+7123 and 5+5 and @ and user@localhost"},
      {"+1234567890123456 (16 digits)", "+1234567890123456 (16 digits)"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(mask_personal_data(c.text), c.logged) << c.text;
}

}  // namespace
}  // namespace kassa::contract
