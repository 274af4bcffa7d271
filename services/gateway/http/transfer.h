#pragma once

// Streamed requests and answers (file uploads and downloads), without Beast: the server reads
// the headers of every request first and asks the TransferHandler whether the method and path
// are a transfer. A transfer's body is not read into memory: the handler pulls it in pieces of
// a size it chooses, and may answer with a body it writes in pieces, so a connection holds at
// most one piece in flight each way, whatever the size of the file. The transport limits still
// hold per piece: each read must deliver within the read timeout, each write be taken within
// the write timeout, so slow-but-steady clients work and stalled ones are cut off.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/http/http_message.h"

namespace parta::gateway {

// A file an answer's bytes can be sent from without passing through memory (sendfile(2)). Its
// descriptor stays open as long as someone holds it.
class SendableFile {
 public:
  virtual ~SendableFile() = default;
  virtual int descriptor() const = 0;
};

// One transfer request and its answer. Thread-safe: every method may be called from any thread
// (the work is done on the connection's I/O thread); callbacks run on that I/O thread, and must
// not block.
class TransferExchange {
 public:
  virtual ~TransferExchange() = default;

  // A piece of the request body: some bytes, and `end` set when the body is complete (the last
  // piece may carry bytes too, or none).
  struct BodyPiece {
    std::string data;
    bool end = false;
  };
  // Reads the next piece of at most `max_bytes` (> 0). Before the first read, a client that
  // sent `Expect: 100-continue` is told to go on. One read at a time. An error (the client
  // went away, timed out or sent malformed chunks) ends the exchange: the connection is closed
  // and nothing may be answered.
  using ReadDone = std::function<void(absl::StatusOr<BodyPiece>)>;
  virtual void ReadBody(size_t max_bytes, ReadDone done) = 0;

  // Answers with a whole response (headers and body). The exchange is over. For HEAD the body's
  // length is announced and the body left out. When the request body was not read to its end,
  // the connection is closed after the answer.
  virtual void Respond(HttpResponse response) = 0;

  // Starts an answer of `content_length` body bytes: `head` without a body (its status,
  // content type and headers). `done(false)`: the client went away, the exchange is over. For
  // HEAD requests no body follows: call EndResponse next.
  using WriteDone = std::function<void(bool written)>;
  virtual void StartResponse(HttpResponse head, uint64_t content_length, WriteDone done) = 0;
  // Writes the next piece of the started answer; one write at a time, `done` when the client
  // took it (`false`: it went away or stalled past the write timeout).
  virtual void WriteBody(std::string piece, WriteDone done) = 0;
  // Writes the next `length` bytes of the started answer from `file` at `offset`, from the page
  // cache to the socket (sendfile): like WriteBody, with no copy through memory. `done(false)`
  // also when the file ends before `length` bytes (the answer is then cut short). The write
  // timeout holds for each wait for the client to take more.
  virtual void WriteFile(std::shared_ptr<const SendableFile> file, uint64_t offset, uint64_t length,
                         WriteDone done) = 0;
  // Ends the started answer. When fewer bytes than announced were written (a failure midway),
  // the connection is closed so the client sees the answer cut short.
  virtual void EndResponse() = 0;
};

class TransferHandler {
 public:
  virtual ~TransferHandler() = default;
  // Whether a request is a transfer; called on the I/O thread with the headers only, so it
  // must be quick. Non-transfer requests are read whole and go to the HttpHandler.
  virtual bool IsTransfer(absl::string_view method, absl::string_view path) const = 0;
  // Handles a transfer. `request.body` is empty (the body is read through `exchange`) and
  // `request.headers` holds every header. Exactly one of Respond or StartResponse … EndResponse
  // must follow, unless a read or write fails; an exchange dropped unanswered closes the
  // connection. Calls after the exchange is over do nothing (their callbacks get a failure).
  virtual void HandleTransfer(HttpRequest request, std::shared_ptr<TransferExchange> exchange) = 0;
};

}  // namespace parta::gateway
