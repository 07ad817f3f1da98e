// Pool worker entry point: the decoder (decoder.ts) over the pool's workerData.
import { workerData } from 'piscina';
import type { WorkerData } from '../src/pool/protocol';
import { createDecoder } from './decoder';

export = createDecoder(workerData as WorkerData);
