"""A tiny model (two real Khánh Hòa communes, five people) shared by several test modules.

The validation tests break one thing at a time in these texts; the report tests load them.
"""

COMMUNES = """code,name,type,district_code,district_name,class,population,area_km2,zone,region_coef,approved_posts,approved_nhdkct,villages_large,villages_other,special_tasks,last_allocation
22327,Phường Vĩnh Hòa,phuong,568,Thành phố Nha Trang,2,17970,2.92,urban,0.0,23,20,11,8,0,
22330,Phường Vĩnh Hải,phuong,568,Thành phố Nha Trang,2,14820,4.23,urban,0.0,23,20,9,4,140000000,
"""

STAFF = """id,commune,category,position,grade,step,coefficient,position_coef,tnvk_pct,bao_luu,birth_date,sex,insured_since,next_step_date,bhtn_covered,start_date,end_date
P1,22327,can_bo,chu_tich_ubnd,A1,3,3.00,0.25,0,0,1975-03-10,M,2000-01-01,2017-06-01,0,,
P2,22327,cong_chuc,cong_chuc,A1,1,2.34,0,0,0,1990-07-01,F,2014-01-01,2017-01-01,0,,
P3,22330,cong_chuc,cong_chuc,A1,9,4.98,0,7,0,1962-01-15,M,1985-01-01,2017-01-01,0,,
P4,22330,can_bo,bi_thu,cadre_untrained,1,2.35,0,0,0,1970-05-05,M,1995-01-01,,0,,
P5,22330,nhdkct,nhdkct,,,1.0,0,0,0,1985-05-05,F,2010-01-01,,0,,
"""

TOML = """name = "tiny"
title = "Tiny test model"
province_code = "56"
structure = "2016"
base_year = 2016
years = [2016, 2017]
"""
