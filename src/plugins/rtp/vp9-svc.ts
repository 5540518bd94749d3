export { parseVp9Descriptor, Vp9LayerFilter, type Vp9Decision, type Vp9Descriptor } from '../../forwarding/vp9-svc.js';
