export { parseVp8Descriptor, writeVp8PictureId, type Vp8Descriptor } from '../../forwarding/vp8-descriptor.js';
