export { TemporalLayerFilter } from '../../forwarding/temporal-layer-filter.js';
