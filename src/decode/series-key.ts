// Kafka key of a metric: its series identity, name + labels sorted by name,
// in Prometheus notation, so every point of a series lands in one partition.
export type Labels = Readonly<Record<string, string>>;

export function seriesKey(name: string, labels: Labels | undefined): string {
  if (labels === undefined) return name;
  const names = Object.keys(labels);
  if (names.length === 0) return name;
  names.sort();
  let key = name + '{';
  for (let i = 0; i < names.length; i++) {
    const label = names[i]!;
    if (i > 0) key += ',';
    key += label + '=' + JSON.stringify(labels[label]);
  }
  return key + '}';
}
