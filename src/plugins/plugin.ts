export * from '../plugin-api/index.js';
