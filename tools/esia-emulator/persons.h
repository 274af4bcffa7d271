#pragma once

// The built-in test persons a tester logs in as (the README lists them). Their oids are fixed so
// that tests and seeded databases can name them.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace parta::esia_emulator {

struct Kid {
  int64_t oid = 0;
  std::string last_name;
  std::string first_name;
  std::string middle_name;  // "" when the child has none
  std::string birth_date;   // "dd.MM.yyyy"
  std::string gender;       // "M" or "F"
};

struct Person {
  std::string login;
  int64_t oid = 0;
  std::string last_name;
  std::string first_name;
  std::string middle_name;
  std::string birth_date;  // "dd.MM.yyyy"
  std::string gender;      // "M" or "F"
  bool trusted = false;    // a confirmed account; false for a simplified one
  std::string snils;       // "123-456-789 01"; "" when none is on record
  std::string email;       // "" when none
  std::string mobile;      // "+7(900)1234567"; "" when none
  std::vector<Kid> kids;
};

// All test persons, in the order the login page shows them.
const std::vector<Person>& TestPersons();

// The person with this login or oid; nullptr when there is none.
const Person* FindPersonByLogin(absl::string_view login);
const Person* FindPersonByOid(int64_t oid);

}  // namespace parta::esia_emulator
