#pragma once

// The schools a benchmark needs, seeded in bulk: written as the directory's events on the Redis
// stream messaging consumes, the way the directory publishes them, so messaging makes the chats
// itself and nobody signs in one by one (tokens come from the benchmark's own signing key,
// bench_keys.h).

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "libs/redis/client.h"

namespace parta::bench {

struct SchoolPlan {
  int classes = 0;  // each with `students_per_class` students
  int students_per_class = 0;
  bool class_teachers = false;  // each class with a class teacher of its own (else none)
  int students_without_class = 0;
  int teachers = 0;
};

struct SeededSchool {
  std::string id;
  std::vector<std::vector<std::string>> class_students;  // per class, user ids
  std::vector<std::string> class_teachers;               // per class, with `class_teachers`
  std::vector<std::string> students_without_class;
  std::vector<std::string> teachers;
};

// Appends the events making `plan` a school (a new id) to the stream `events_key`.
absl::StatusOr<SeededSchool> SeedSchool(redis::Pool& redis, const std::string& events_key,
                                        const SchoolPlan& plan);

}  // namespace parta::bench
