export * from './address.js';
export * from './bind-error.js';
export * from './ipv6-probe.js';
export * from './network-host.js';
export * from './network.js';
export * from './port-range.js';
