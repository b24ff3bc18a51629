/**
 * One unlabelled sample off a node's /metrics text (Prometheus' text format): the value of the
 * line `name value`, or undefined when the text has no such line. A labelled series
 * (`name{...} value`) and a longer name that starts with this one are not it.
 */
export function metricOf(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name} `)) continue;
    const value = line.slice(name.length + 1).trim().split(' ')[0];
    return value === '+Inf' ? Infinity : value === '-Inf' ? -Infinity : Number(value);
  }
  return undefined;
}
