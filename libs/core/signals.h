#pragma once

// Graceful shutdown: main() blocks SIGTERM and SIGINT before starting any thread, then waits
// for one of them and drains.

namespace parta {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts later, and ignores
// SIGPIPE: a peer that went away (Redis, Postgres, a client) is an error to handle, not a reason
// for the process to die.
void BlockTerminationSignals();

// Waits until SIGTERM or SIGINT arrives; returns the signal number.
int WaitForTerminationSignal();

}  // namespace parta
