// Server-sent events read from a fetch response: EventSource cannot send the customer's token.

/** Server-sent events from a fetch response: {event, data} objects. */
export async function* serverEvents(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    // Lines end in CRLF (Litestar), CR or LF; a CR at a chunk's end waits for its LF.
    buffer += value;
    const keep = buffer.endsWith("\r") ? 1 : 0;
    buffer = buffer.slice(0, buffer.length - keep).replace(/\r\n?/g, "\n") + buffer.slice(buffer.length - keep);
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      let id = null;
      const data = [];
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        if (colon <= 0) continue;
        const field = line.slice(0, colon);
        const text = line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
        else if (field === "id") id = text;
      }
      const text = data.join("\n");
      if (text.trim()) yield { event, id, data: JSON.parse(text) };  // a comment's empty data: skip
    }
  }
}
