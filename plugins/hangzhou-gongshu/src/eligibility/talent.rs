//! 二(一)2, last sentence: the talent-permit referral.

use juzhu_sdk::prelude::*;

use crate::clauses::*;

/// 二(一)2, last sentence: "符合人才居住证办理条件的，按《关于印发杭州市人才居住证办理实施办法的通知》执行".
/// This refers a talent to another scheme (the Hangzhou talent residence
/// permit). It grants nothing under this text and waives none of its
/// conditions: the route is never met here, the six months still bind every
/// ordinary route, and a talent-permit claim is answered with the referral.
pub(super) fn talent_route(app: &Application) -> RouteBuilder {
    let mut b = RouteBuilder::new(RouteKind::Exemption, None);
    let claimed = app.special_statuses.contains(&SpecialStatus::TalentPermit);
    b.condition(
        false,
        if claimed {
            TALENT.reason(
                "exemption.talent-permit.referred",
                "符合人才居住证办理条件的，按《关于印发杭州市人才居住证办理实施办法的通知》执行：人才居住证另按该办法办理；本条不因此发给《浙江省居住证》，也不免除居住半年等申领条件",
                "\"those who meet the talent-permit conditions follow the Hangzhou talent residence permit measures\": a referral to that scheme, not a grant of this permit nor a waiver of its six months or other conditions",
            )
        } else {
            TALENT.reason(
                "exemption.talent-permit.not-met",
                "未申明符合人才居住证办理条件",
                "no claim to meet the talent-permit conditions",
            )
        },
    );
    b
}
