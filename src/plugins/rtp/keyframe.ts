export { isH264Keyframe, isVp8Keyframe, isVp9Keyframe, keyframeTest, type KeyframeTest } from '../../forwarding/keyframe.js';
