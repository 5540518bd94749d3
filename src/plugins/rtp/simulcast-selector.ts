export { MAX_LAYER, SimulcastSelector } from '../../forwarding/simulcast-selector.js';
