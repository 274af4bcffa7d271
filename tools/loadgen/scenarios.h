#pragma once

// The fan-out scenarios of the benchmarks (S1, S2), each with its references in the same run.

#include <vector>

#include "tools/loadgen/environment.h"

namespace parta::loadgen {

// S1: class chats of 30 members, each member posting once every 10 s; the number of classes
// raised step by step (`classes`) until Parta's p99 passes 100 ms or a post is lost.
int RunClassChats(const Environment& environment, const std::vector<int>& classes);

// S2: one school channel followed by `subscribers` members, 10 posts/s from its teachers; the
// time until the last subscriber has each post.
int RunSchoolChannel(const Environment& environment, const std::vector<int>& subscribers);

}  // namespace parta::loadgen
