/**
 * The tables of the benchmark's reports: plain text for the console,
 * markdown for RESULTS.md, and the executor-check table both servers'
 * sections print.
 */

/** A console table: columns padded to their widest cell. */
export function textTable(header, body) {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...body.map(r => r[i].length))
  );
  const line = r => r.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [
    line(header),
    widths.map(w => '-'.repeat(w)).join('  '),
    ...body.map(line)
  ].join('\n');
}

/** A markdown table (`|` in cells escaped). */
export function mdTable(header, body) {
  const esc = c => c.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...body.map(r => `| ${r.map(esc).join(' | ')} |`)
  ].join('\n');
}

/**
 * What the harness counted over the wire per executor
 * (`machine.executor_checks`): a row per executor with its plugin, then
 * one column per `[header, figure]`, where `figure` is a key of the
 * executor's check or a function of it.
 */
export function executorChecksTable(executors, checks, columns) {
  const value = (check, figure) =>
    typeof figure === 'function' ? figure(check) : String(check[figure]);
  return mdTable(
    ['executor', 'plugin', ...columns.map(([header]) => header)],
    executors.map(e => [
      e,
      `\`${checks[e].plugin}\``,
      ...columns.map(([, figure]) => value(checks[e], figure))
    ])
  );
}
