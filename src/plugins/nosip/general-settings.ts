// The `general` settings of janus.plugin.nosip (its .jcfg file, or [nosip] in ours).
import { inertSetting, setting, type SettingGroup } from '../../plugin-api/index.js';

export const NOSIP_SETTINGS: SettingGroup = {
  local_ip: setting('', 'address or interface the plain RTP/RTCP sockets bind to (empty: every address, dual-stack where IPv6 exists)'),
  sdp_ip: setting('', 'address written in the barebone SDP (empty: local_ip, else an address of this host)'),
  rtp_port_range: setting('20000-40000', 'ports of the plain RTP/RTCP sockets (RTP even, RTCP the next one), as in the sample janus.plugin.nosip.jcfg'),
  events: setting(true, 'send plugin events to event handlers (docs/events.md)'),
  dscp_audio_rtp: inertSetting(0, 'DSCP mark of outgoing audio RTP (not applied)'),
  dscp_video_rtp: inertSetting(0, 'DSCP mark of outgoing video RTP (not applied)'),
};
