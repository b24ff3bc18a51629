/**
 * One unlabelled sample off a node's /metrics text (Prometheus' text format): the value of the
 * line `name value`, or undefined when the text has no such line. A labelled series
 * (`name{...} value`) and a longer name that starts with this one are not it.
 */
export function metricOf(text: string, name: string): number | undefined {
  return metricSeries(text, name).get('');
}

/**
 * Every sample of `name` off a /metrics text, labelled or not, keyed by its label set as written
 * (`kind="minor"`; '' for the unlabelled one). A longer name that starts with this one is not it.
 */
export function metricSeries(text: string, name: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    let labels = '';
    let value: string;
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      if (close < 0) continue;
      labels = rest.slice(1, close);
      value = rest.slice(close + 1);
    } else if (rest.startsWith(' ')) value = rest;
    else continue;
    const v = value.trim().split(' ')[0];
    series.set(labels, v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v));
  }
  return series;
}
