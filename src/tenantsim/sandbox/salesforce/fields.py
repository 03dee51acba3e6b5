"""Each object's fields as the REST API v59.0 returns them (a Developer Edition org, whose sample custom
fields such as ``SLA__c`` come with it): ``name:type``, with s string, b boolean, n number, i integer, d date,
t date-time, o compound (an address). What is required, read-only or a picklist is in ``schema.py``."""

from __future__ import annotations

FIELDS: dict[str, str] = {
    "Account": (
        "Id:s IsDeleted:b MasterRecordId:s Name:s Type:s ParentId:s BillingStreet:s BillingCity:s "
        "BillingState:s BillingPostalCode:s BillingCountry:s BillingLatitude:n BillingLongitude:n "
        "BillingGeocodeAccuracy:s BillingAddress:o ShippingStreet:s ShippingCity:s ShippingState:s "
        "ShippingPostalCode:s ShippingCountry:s ShippingLatitude:n ShippingLongitude:n "
        "ShippingGeocodeAccuracy:s ShippingAddress:o Phone:s Fax:s AccountNumber:s Website:s "
        "PhotoUrl:s Sic:s "
        "Industry:s AnnualRevenue:n NumberOfEmployees:i Ownership:s TickerSymbol:s Description:s Rating:s "
        "Site:s OwnerId:s CreatedDate:t CreatedById:s LastModifiedDate:t LastModifiedById:s SystemModstamp:t "
        "LastActivityDate:d LastViewedDate:t LastReferencedDate:t Jigsaw:s JigsawCompanyId:s CleanStatus:s "
        "AccountSource:s DunsNumber:s Tradestyle:s NaicsCode:s NaicsDesc:s YearStarted:s SicDesc:s "
        "DandbCompanyId:s OperatingHoursId:s CustomerPriority__c:s SLA__c:s Active__c:s "
        "NumberofLocations__c:n UpsellOpportunity__c:s SLASerialNumber__c:s SLAExpirationDate__c:d "
    ),
    "Contact": (
        "Id:s IsDeleted:b MasterRecordId:s AccountId:s LastName:s FirstName:s Salutation:s Name:s "
        "OtherStreet:s OtherCity:s OtherState:s OtherPostalCode:s OtherCountry:s OtherLatitude:n "
        "OtherLongitude:n OtherGeocodeAccuracy:s OtherAddress:o MailingStreet:s MailingCity:s MailingState:s "
        "MailingPostalCode:s MailingCountry:s MailingLatitude:n MailingLongitude:n MailingGeocodeAccuracy:s "
        "MailingAddress:o Phone:s Fax:s MobilePhone:s HomePhone:s OtherPhone:s AssistantPhone:s "
        "ReportsToId:s "
        "Email:s Title:s Department:s AssistantName:s LeadSource:s Birthdate:d Description:s OwnerId:s "
        "CreatedDate:t CreatedById:s LastModifiedDate:t LastModifiedById:s SystemModstamp:t "
        "LastActivityDate:d LastCURequestDate:t LastCUUpdateDate:t LastViewedDate:t LastReferencedDate:t "
        "EmailBouncedReason:s EmailBouncedDate:t IsEmailBounced:b PhotoUrl:s Jigsaw:s JigsawContactId:s "
        "CleanStatus:s IndividualId:s IsPriorityRecord:b Level__c:s Languages__c:s "
    ),
    "Opportunity": (
        "Id:s IsDeleted:b AccountId:s IsPrivate:b Name:s Description:s StageName:s Amount:n Probability:n "
        "ExpectedRevenue:n TotalOpportunityQuantity:n CloseDate:d Type:s NextStep:s LeadSource:s IsClosed:b "
        "IsWon:b ForecastCategory:s ForecastCategoryName:s CampaignId:s HasOpportunityLineItem:b "
        "Pricebook2Id:s OwnerId:s CreatedDate:t CreatedById:s LastModifiedDate:t LastModifiedById:s "
        "SystemModstamp:t LastActivityDate:d PushCount:i LastStageChangeDate:t FiscalQuarter:i FiscalYear:i "
        "Fiscal:s ContactId:s LastViewedDate:t LastReferencedDate:t HasOpenActivity:b HasOverdueTask:b "
        "LastAmountChangedHistoryId:s LastCloseDateChangedHistoryId:s DeliveryInstallationStatus__c:s "
        "TrackingNumber__c:s OrderNumber__c:s CurrentGenerators__c:s MainCompetitors__c:s "
    ),
    "Case": (
        "Id:s IsDeleted:b MasterRecordId:s CaseNumber:s ContactId:s AccountId:s AssetId:s SourceId:s "
        "ParentId:s SuppliedName:s SuppliedEmail:s SuppliedPhone:s SuppliedCompany:s Type:s Status:s "
        "Reason:s "
        "Origin:s Subject:s Priority:s Description:s IsClosed:b ClosedDate:t IsEscalated:b OwnerId:s "
        "CreatedDate:t CreatedById:s LastModifiedDate:t LastModifiedById:s SystemModstamp:t ContactPhone:s "
        "ContactMobile:s ContactEmail:s ContactFax:s Comments:s LastViewedDate:t LastReferencedDate:t "
        "EngineeringReqNumber__c:s SLAViolation__c:s Product__c:s PotentialLiability__c:s "
    ),
    "Lead": (
        "Id:s IsDeleted:b MasterRecordId:s LastName:s FirstName:s Salutation:s Name:s Title:s Company:s "
        "Street:s City:s State:s PostalCode:s Country:s Latitude:n Longitude:n GeocodeAccuracy:s Address:o "
        "Phone:s MobilePhone:s Fax:s Email:s Website:s PhotoUrl:s Description:s LeadSource:s Status:s "
        "Industry:s Rating:s AnnualRevenue:n NumberOfEmployees:i OwnerId:s IsConverted:b ConvertedDate:d "
        "ConvertedAccountId:s ConvertedContactId:s ConvertedOpportunityId:s IsUnreadByOwner:b CreatedDate:t "
        "CreatedById:s LastModifiedDate:t LastModifiedById:s SystemModstamp:t LastActivityDate:d "
        "LastViewedDate:t LastReferencedDate:t Jigsaw:s JigsawContactId:s CleanStatus:s CompanyDunsNumber:s "
        "DandbCompanyId:s EmailBouncedReason:s EmailBouncedDate:t IndividualId:s IsPriorityRecord:b "
        "SICCode__c:s ProductInterest__c:s Primary__c:s CurrentGenerators__c:s NumberofLocations__c:n "
    ),
    "Task": (
        "Id:s WhoId:s WhatId:s Subject:s ActivityDate:d Status:s Priority:s IsHighPriority:b OwnerId:s "
        "Description:s IsDeleted:b AccountId:s IsClosed:b CreatedDate:t CreatedById:s LastModifiedDate:t "
        "LastModifiedById:s SystemModstamp:t IsArchived:b CallDurationInSeconds:i CallType:s "
        "CallDisposition:s CallObject:s ReminderDateTime:t IsReminderSet:b RecurrenceActivityId:s "
        "IsRecurrence:b RecurrenceStartDateOnly:d RecurrenceEndDateOnly:d RecurrenceTimeZoneSidKey:s "
        "RecurrenceType:s RecurrenceInterval:i RecurrenceDayOfWeekMask:i RecurrenceDayOfMonth:i "
        "RecurrenceInstance:s RecurrenceMonthOfYear:s RecurrenceRegeneratedType:s TaskSubtype:s "
        "CompletedDateTime:t "
    ),
    "Event": (
        "Id:s WhoId:s WhatId:s Subject:s Location:s IsAllDayEvent:b ActivityDateTime:t ActivityDate:d "
        "DurationInMinutes:i StartDateTime:t EndDateTime:t EndDate:d Description:s AccountId:s OwnerId:s "
        "IsPrivate:b ShowAs:s IsDeleted:b IsChild:b IsGroupEvent:b GroupEventType:s CreatedDate:t "
        "CreatedById:s LastModifiedDate:t LastModifiedById:s SystemModstamp:t IsArchived:b "
        "RecurrenceActivityId:s IsRecurrence:b RecurrenceStartDateTime:t RecurrenceEndDateOnly:d "
        "RecurrenceTimeZoneSidKey:s RecurrenceType:s RecurrenceInterval:i RecurrenceDayOfWeekMask:i "
        "RecurrenceDayOfMonth:i RecurrenceInstance:s RecurrenceMonthOfYear:s ReminderDateTime:t "
        "IsReminderSet:b EventSubtype:s IsRecurrence2Exclusion:b Recurrence2PatternText:s "
        "Recurrence2PatternVersion:s IsRecurrence2:b IsRecurrence2Exception:b Recurrence2PatternStartDate:t "
        "Recurrence2PatternTimeZone:s ServiceAppointmentId:s "
    ),
    "User": (
        "Id:s Username:s LastName:s FirstName:s Name:s CompanyName:s Division:s Department:s Title:s "
        "Street:s "
        "City:s State:s PostalCode:s Country:s Latitude:n Longitude:n GeocodeAccuracy:s Address:o Email:s "
        "SenderEmail:s SenderName:s Signature:s Phone:s Fax:s MobilePhone:s Alias:s CommunityNickname:s "
        "BadgeText:s IsActive:b TimeZoneSidKey:s UserRoleId:s LocaleSidKey:s ReceivesInfoEmails:b "
        "ReceivesAdminInfoEmails:b EmailEncodingKey:s ProfileId:s UserType:s LanguageLocaleKey:s "
        "EmployeeNumber:s DelegatedApproverId:s ManagerId:s LastLoginDate:t LastPasswordChangeDate:t "
        "CreatedDate:t CreatedById:s LastModifiedDate:t LastModifiedById:s SystemModstamp:t "
        "NumberOfFailedLogins:i ForecastEnabled:b ContactId:s AccountId:s CallCenterId:s Extension:s "
        "FederationIdentifier:s AboutMe:s FullPhotoUrl:s SmallPhotoUrl:s IsExtIndicatorVisible:b "
        "OutOfOfficeMessage:s MediumPhotoUrl:s DigestFrequency:s DefaultGroupNotificationFrequency:s "
        "JigsawImportLimitOverride:i WorkspaceId:s LastViewedDate:t LastReferencedDate:t BannerPhotoUrl:s "
        "SmallBannerPhotoUrl:s MediumBannerPhotoUrl:s IsProfilePhotoActive:b IndividualId:s "
    ),
    "CaseComment": "Id:s ParentId:s IsPublished:b CommentBody:s CreatedById:s CreatedDate:t SystemModstamp:t "
    "LastModifiedDate:t LastModifiedById:s IsDeleted:b",
}
