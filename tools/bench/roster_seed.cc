#include "tools/bench/roster_seed.h"

#include "absl/strings/str_cat.h"
#include "libs/core/random.h"
#include "libs/core/status.h"
#include "libs/redis/streams.h"
#include "parta/directory/v1/directory.pb.h"

namespace parta::bench {
namespace {

namespace dir = parta::directory::v1;

class EventWriter {
 public:
  EventWriter(redis::Pool& redis, std::string key, std::string school)
      : redis_(redis), key_(std::move(key)), school_(std::move(school)) {}

  absl::Status Append(dir::DirectoryEvent event) {
    event.set_school_id(school_);
    return redis::AppendEvent(redis_, key_,
                              Event{.stream = "school/" + school_,
                                    .sequence = ++sequence_,
                                    .type = event.GetTypeName(),
                                    .payload = event.SerializeAsString()});
  }

  absl::Status GrantRole(const std::string& user, dir::Role role) {
    dir::DirectoryEvent event;
    event.mutable_role_granted()->set_user_id(user);
    event.mutable_role_granted()->set_role(role);
    return Append(std::move(event));
  }

 private:
  redis::Pool& redis_;
  const std::string key_;
  const std::string school_;
  int64_t sequence_ = 0;
};

}  // namespace

absl::StatusOr<SeededSchool> SeedSchool(redis::Pool& redis, const std::string& events_key,
                                        const SchoolPlan& plan) {
  SeededSchool school;
  school.id = NewUuidV7(absl::Now());
  EventWriter writer(redis, events_key, school.id);
  dir::DirectoryEvent created;
  created.mutable_school_created()->mutable_school()->set_id(school.id);
  created.mutable_school_created()->mutable_school()->set_short_name("Лицей № 2");
  RETURN_IF_ERROR(writer.Append(std::move(created)));
  for (int t = 0; t < plan.teachers; ++t) {
    school.teachers.push_back(NewUuidV7(absl::Now()));
    RETURN_IF_ERROR(writer.GrantRole(school.teachers.back(), dir::ROLE_TEACHER));
  }
  for (int c = 0; c < plan.classes; ++c) {
    dir::DirectoryEvent klass;
    dir::Class& fields = *klass.mutable_class_created()->mutable_class_();
    if (plan.class_teachers) {
      school.class_teachers.push_back(NewUuidV7(absl::Now()));
      RETURN_IF_ERROR(writer.GrantRole(school.class_teachers.back(), dir::ROLE_TEACHER));
      fields.set_class_teacher_id(school.class_teachers.back());
    }
    fields.set_id(NewUuidV7(absl::Now()));
    fields.set_school_id(school.id);
    fields.set_display_name(absl::StrCat(c % 11 + 1, "Б-", c));
    fields.set_academic_year(2026);
    const std::string class_id = fields.id();
    RETURN_IF_ERROR(writer.Append(std::move(klass)));
    std::vector<std::string>& students = school.class_students.emplace_back();
    for (int s = 0; s < plan.students_per_class; ++s) {
      students.push_back(NewUuidV7(absl::Now()));
      RETURN_IF_ERROR(writer.GrantRole(students.back(), dir::ROLE_STUDENT));
      dir::DirectoryEvent added;
      added.mutable_student_added()->set_class_id(class_id);
      added.mutable_student_added()->set_user_id(students.back());
      RETURN_IF_ERROR(writer.Append(std::move(added)));
    }
  }
  for (int s = 0; s < plan.students_without_class; ++s) {
    school.students_without_class.push_back(NewUuidV7(absl::Now()));
    RETURN_IF_ERROR(writer.GrantRole(school.students_without_class.back(), dir::ROLE_STUDENT));
  }
  return school;
}

}  // namespace parta::bench
