#include "tools/esia-emulator/persons.h"

namespace parta::esia_emulator {

const std::vector<Person>& TestPersons() {
  static const auto* const persons = new std::vector<Person>{
      {.login = "ivanov",
       .oid = 1000000001,
       .last_name = "Иванов",
       .first_name = "Иван",
       .middle_name = "Иванович",
       .birth_date = "12.03.1985",
       .gender = "M",
       .trusted = true,
       .snils = "112-233-445 95",
       .email = "ivanov@example.ru",
       .mobile = "+7(900)1000001",
       .kids = {{.oid = 1000000101,
                 .last_name = "Иванова",
                 .first_name = "Мария",
                 .middle_name = "Ивановна",
                 .birth_date = "01.09.2014",
                 .gender = "F"},
                {.oid = 1000000102,
                 .last_name = "Иванов",
                 .first_name = "Пётр",
                 .middle_name = "Иванович",
                 .birth_date = "15.05.2017",
                 .gender = "M"}}},
      {.login = "petrova",
       .oid = 1000000002,
       .last_name = "Петрова",
       .first_name = "Анна",
       .middle_name = "Сергеевна",
       .birth_date = "30.11.1990",
       .gender = "F",
       .trusted = true,
       .snils = "223-344-556 39",
       .email = "petrova@example.ru",
       .mobile = "+7(900)1000002",
       .kids = {}},
      {.login = "sidorov",
       .oid = 1000000003,
       .last_name = "Сидоров",
       .first_name = "Олег",
       .middle_name = "Петрович",
       .birth_date = "05.07.1979",
       .gender = "M",
       .trusted = false,
       .snils = "",
       .email = "sidorov@example.ru",
       .mobile = "",
       .kids = {}},
      {.login = "kuznetsova",
       .oid = 1000000004,
       .last_name = "Кузнецова",
       .first_name = "Елена",
       .middle_name = "Викторовна",
       .birth_date = "20.02.1988",
       .gender = "F",
       .trusted = true,
       .snils = "",
       .email = "",
       .mobile = "+7(900)1000004",
       .kids = {{.oid = 1000000103,
                 .last_name = "Кузнецов",
                 .first_name = "Артём",
                 .middle_name = "",
                 .birth_date = "10.10.2015",
                 .gender = "M"}}},
  };
  return *persons;
}

const Person* FindPersonByLogin(absl::string_view login) {
  for (const Person& person : TestPersons()) {
    if (person.login == login) return &person;
  }
  return nullptr;
}

const Person* FindPersonByOid(int64_t oid) {
  for (const Person& person : TestPersons()) {
    if (person.oid == oid) return &person;
  }
  return nullptr;
}

}  // namespace parta::esia_emulator
