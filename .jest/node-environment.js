/**
 * Jest's node environment with the host's typed-array constructors, so tensors built in a test
 * pass onnxruntime-node's `instanceof Float32Array` checks (the addon lives in the host realm).
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = ['Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'Int8Array', 'Int16Array', 'Int32Array', 'Uint8Array', 'Uint16Array', 'Uint32Array', 'Uint8ClampedArray', 'ArrayBuffer'];

class HostTypedArraysEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArraysEnvironment;
