// Apache Kafka's own jars (broker, storage tool, admin tools), fetched once with
// Maven from Maven Central into a gitignored cache and reused by later runs.
// METRICSTREAM_KAFKA_LIBS points at a folder of jars instead (e.g. a Kafka
// distribution's libs/).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The repository root (this file runs from dist/test/support/kafka/). */
const ROOT = path.resolve(__dirname, '../../../..');
const POM = path.join(ROOT, 'test/support/kafka/pom.xml');
const CACHE = path.join(ROOT, '.cache/kafka-libs');

let cached: string | undefined;

/** A java classpath holding Kafka's jars; fetches them on first use (~20 s). */
export function kafkaClasspath(): string {
  if (cached !== undefined) return cached;
  const dir = process.env['METRICSTREAM_KAFKA_LIBS'] ?? CACHE;
  if (!hasBroker(dir)) {
    if (process.env['METRICSTREAM_KAFKA_LIBS'] !== undefined) {
      throw new Error(`METRICSTREAM_KAFKA_LIBS=${dir} holds no kafka_2.13-*.jar`);
    }
    // Into a fresh folder, renamed when complete: an interrupted fetch leaves no half cache.
    const partial = `${CACHE}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(path.dirname(CACHE), { recursive: true });
    execFileSync('mvn', ['-q', '-B', '-f', POM, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`],
      { stdio: ['ignore', 'inherit', 'inherit'], timeout: 600_000 });
    installFetched(partial);
  }
  cached = path.join(dir, '*');
  return cached;
}

// Another test process may have fetched them at the same time: the first
// complete folder stays (renaming onto it fails), later ones are dropped.
function installFetched(partial: string): void {
  if (hasBroker(CACHE)) {
    rmSync(partial, { recursive: true, force: true });
    return;
  }
  rmSync(CACHE, { recursive: true, force: true });
  try {
    renameSync(partial, CACHE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || !hasBroker(CACHE)) throw err;
    rmSync(partial, { recursive: true, force: true });
  }
}

function hasBroker(dir: string): boolean {
  return existsSync(dir) && readdirSync(dir).some((f) => /^kafka_2\.13-.*\.jar$/.test(f));
}
