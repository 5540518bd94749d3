export { looksLikeRtcpReport as looksLikeRtcp, parseRtpHeader, type RtpHeader as RtpHeaderView } from '../../rtp/rtp-header.js';
