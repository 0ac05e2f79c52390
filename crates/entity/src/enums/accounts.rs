//! Organizations' people and money: platform roles, sign-in, memberships,
//! login failures and the credit ledger.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

string_enum! {
    /// A user's platform-wide role (`users.role`), independent of any organization.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum PlatformRole {
        #[sea_orm(string_value = "user")]
        User,
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "super_admin")]
        SuperAdmin,
    }
}

string_enum! {
    /// How a user signs in (`users.auth_provider`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum AuthProvider {
        #[sea_orm(string_value = "email")]
        Email,
        #[sea_orm(string_value = "google")]
        Google,
        #[sea_orm(string_value = "linkedin")]
        Linkedin,
        #[sea_orm(string_value = "github")]
        Github,
    }
}

string_enum! {
    /// A member's role within one organization (`organization_memberships.role`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MemberRole {
        #[sea_orm(string_value = "owner")]
        Owner,
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "manager")]
        Manager,
        #[sea_orm(string_value = "agent")]
        Agent,
        #[sea_orm(string_value = "viewer")]
        Viewer,
    }
}

string_enum! {
    /// Whether a membership is in force (`organization_memberships.status`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum MembershipStatus {
        #[sea_orm(string_value = "active")]
        Active,
        #[sea_orm(string_value = "invited")]
        Invited,
        #[sea_orm(string_value = "suspended")]
        Suspended,
    }
}

string_enum! {
    /// Why a login attempt failed (`login_attempts.failure_reason`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum LoginFailureReason {
        #[sea_orm(string_value = "bad_password")]
        BadPassword,
        #[sea_orm(string_value = "unknown_user")]
        UnknownUser,
        #[sea_orm(string_value = "locked")]
        Locked,
        #[sea_orm(string_value = "inactive")]
        Inactive,
        #[sea_orm(string_value = "unverified")]
        Unverified,
        #[sea_orm(string_value = "rate_limited")]
        RateLimited,
    }
}

string_enum! {
    /// The kind of a credit ledger entry (`credit_transactions.kind`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
    #[sea_orm(rs_type = "String", db_type = "String(StringLen::None)")]
    #[serde(rename_all = "snake_case")]
    pub enum CreditKind {
        #[sea_orm(string_value = "purchase")]
        Purchase,
        #[sea_orm(string_value = "usage")]
        Usage,
        #[sea_orm(string_value = "bonus")]
        Bonus,
        #[sea_orm(string_value = "adjustment")]
        Adjustment,
        #[sea_orm(string_value = "refund")]
        Refund,
    }
}
