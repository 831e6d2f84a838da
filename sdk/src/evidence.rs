//! Evidence: which materials an applicant has, and what is still missing.
//!
//! A material counts when the applicant submitted it or a competent department
//! holds it on record (有记录备案); texts such as Ningbo Jiangbei 三(一)1 accept
//! both.

use crate::cite::Clause;
use crate::types::{Application, MaterialKind, MissingMaterial, RouteKind};

/// The materials an application can show.
pub struct Evidence<'a> {
    application: &'a Application,
}

impl<'a> Evidence<'a> {
    pub fn of(application: &'a Application) -> Self {
        Evidence { application }
    }

    /// Whether the material was submitted or is on file.
    pub fn has(&self, kind: MaterialKind) -> bool {
        self.application.materials.iter().any(|m| m.kind == kind)
    }

    /// The materials of `required` that are missing, each with the clause that
    /// asks for it; for a route (`Some`) or for every route (`None`).
    pub fn missing(&self, route: Option<RouteKind>, required: &[(MaterialKind, Clause)]) -> Vec<MissingMaterial> {
        required
            .iter()
            .filter(|(kind, _)| !self.has(*kind))
            .map(|(kind, clause)| MissingMaterial {
                material: *kind,
                route,
                reason: clause.reason(
                    &format!("material.missing.{}", material_code(*kind)),
                    &format!("缺少材料：{}", material_name_zh(*kind)),
                    &format!("missing material: {}", material_code(*kind)),
                ),
            })
            .collect()
    }
}

/// The kebab-case code of a material, as the contract spells it.
pub fn material_code(kind: MaterialKind) -> &'static str {
    use MaterialKind::*;
    match kind {
        IdCard => "id-card",
        Photo => "photo",
        ApplicationForm => "application-form",
        ResidenceRegistration => "residence-registration",
        LabourContract => "labour-contract",
        EmploymentRegistration => "employment-registration",
        InsuranceCertificate => "insurance-certificate",
        BusinessLicence => "business-licence",
        IndividualBusinessLicence => "individual-business-licence",
        AgriculturalContract => "agricultural-contract",
        FisheryLicence => "fishery-licence",
        FisheryContract => "fishery-contract",
        SelfEmploymentProof => "self-employment-proof",
        PropertyCertificate => "property-certificate",
        HomesteadCertificate => "homestead-certificate",
        KinshipProof => "kinship-proof",
        DormitoryCertificate => "dormitory-certificate",
        LeaseContract => "lease-contract",
        RentalRegistration => "rental-registration",
        RentalFiling => "rental-filing",
        RentalSafetyCheck => "rental-safety-check",
        EnrolmentCertificate => "enrolment-certificate",
        GuardianPermits => "guardian-permits",
        GuardianInsuranceCertificate => "guardian-insurance-certificate",
        TalentCertificate => "talent-certificate",
        InvestmentProof => "investment-proof",
        EmploymentStatusCertificate => "employment-status-certificate",
        TemporaryPermit => "temporary-permit",
    }
}

/// The Chinese name of a material, for the applicant's notice.
pub fn material_name_zh(kind: MaterialKind) -> &'static str {
    use MaterialKind::*;
    match kind {
        IdCard => "居民身份证",
        Photo => "相片",
        ApplicationForm => "居住证申领表",
        ResidenceRegistration => "居住登记凭证",
        LabourContract => "劳动合同",
        EmploymentRegistration => "就业登记证明",
        InsuranceCertificate => "社会保险参保证明",
        BusinessLicence => "营业执照（或民办非企业、事务所执业证书）",
        IndividualBusinessLicence => "个体工商户营业执照",
        AgriculturalContract => "农业（林业）土地承包经营权流转合同或土地承租协议",
        FisheryLicence => "全民所有水域（滩涂）渔业养殖证",
        FisheryContract => "集体所有水域（滩涂）渔业养殖承包合同",
        SelfEmploymentProof => "自主创业就业证明",
        PropertyCertificate => "房屋所有权或使用权证明",
        HomesteadCertificate => "宅基地使用权证明",
        KinshipProof => "近亲属关系证明",
        DormitoryCertificate => "单位（园区）宿舍证明",
        LeaseContract => "房屋租赁合同",
        RentalRegistration => "居住房屋出租登记",
        RentalFiling => "房屋租赁登记备案证明",
        RentalSafetyCheck => "出租房屋安全排查表",
        EnrolmentCertificate => "学籍及连续就读证明",
        GuardianPermits => "父母双方等法定监护人的居住证",
        GuardianInsuranceCertificate => "法定监护人连续缴纳社会保险证明",
        TalentCertificate => "人才认定证明",
        InvestmentProof => "投资创业证明",
        EmploymentStatusCertificate => "就业、失业登记证明",
        TemporaryPermit => "临时居住证",
    }
}
