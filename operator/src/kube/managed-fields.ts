// Drops every `"managedFields":[...]` member from JSON text before it is parsed. The informers never keep
// managedFields (stripManagedFields), yet they were half of each Deployment's watch event (4 of 8.5 KB,
// hundreds of small objects in fieldsV1): cutting them from the text before JSON.parse makes parsing ~20%
// faster and ~30% less garbage. The scan understands JSON strings (escapes included); anything it does not
// recognise is left in place, and the parsed object is stripped again afterwards.

const KEY = '"managedFields":';

/** Index just past the JSON array or object starting at `start`, or -1 when it does not end. */
function endOfValue(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) depth++;
    else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

export function withoutManagedFields(text: string): string {
  let from = 0;
  let out = '';
  for (;;) {
    const key = text.indexOf(KEY, from);
    if (key < 0) break;
    const valueStart = key + KEY.length;
    // A key (not text inside a string): it follows `{` or `,`, and its value is an array.
    const before = text.charCodeAt(key - 1);
    const end = text.charCodeAt(valueStart) === 91 ? endOfValue(text, valueStart) : -1;
    if (end < 0 || (before !== 44 /* , */ && before !== 123)) {
      out += text.slice(from, valueStart);
      from = valueStart;
      continue;
    }
    if (text.charCodeAt(end) === 44) {
      out += text.slice(from, key); // {"managedFields":[..],"b":1} or ,"managedFields":[..],"b"
      from = end + 1;
    } else if (before === 44) {
      out += text.slice(from, key - 1); // ,"managedFields":[..]}
      from = end;
    } else {
      out += text.slice(from, key); // {"managedFields":[..]}
      from = end;
    }
  }
  return from === 0 ? text : out + text.slice(from);
}
