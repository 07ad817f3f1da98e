// Pool worker entry point: the decoder (decoder.ts) over the pool's workerData.
import { workerData } from 'piscina';
import type { WorkerData } from '../src/pool/task';
import { createDecoder } from '../src/pool/decoder';

export = createDecoder(workerData as WorkerData);
